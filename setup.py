"""Which packages the distribution holds (the rest of the metadata is in pyproject.toml).

templates/ and static/ stay at the top of the repository (docs: STYLE.md), yet an installed
app must carry them: they ship inside the package, as webapp/templates and webapp/static.
pyproject.toml cannot map a folder into a package while also discovering the packages, so
both happen here.
"""

from setuptools import find_namespace_packages, find_packages, setup

DATA_FOLDERS = ("templates", "static")


def data_packages(folder: str) -> list[str]:
    """`folder` and each folder below it as a package webapp.<folder>[.<sub>] (files only)."""
    return [
        f"webapp.{folder}",
        *(f"webapp.{folder}.{sub}" for sub in find_namespace_packages(where=folder)),
    ]


data = [name for folder in DATA_FOLDERS for name in data_packages(folder)]
setup(
    # Every webapp package, so a new sub-package needs no edit here.
    packages=[*find_packages(include=["webapp", "webapp.*"]), *data],
    package_dir={f"webapp.{folder}": folder for folder in DATA_FOLDERS},
    package_data={"webapp": ["py.typed"], **{name: ["*"] for name in data}},
)
