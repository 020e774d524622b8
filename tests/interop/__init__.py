"""Interop tests: the JDK itself uses the stores we build."""
