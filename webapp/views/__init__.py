"""One blueprint per step of the procedure, plus the page that holds them."""
