"""Which packages the distribution holds (the rest of the metadata is in pyproject.toml).

templates/ and static/ stay at the top of the repository (docs: STYLE.md), yet an installed
app must carry them: they ship inside the package, as webapp/templates and webapp/static.
pyproject.toml cannot map a folder into a package while also discovering the packages, so
both happen here. The wheel also carries the compiled catalogues (issue 23): build_py
compiles each committed .po into its .mo, so no .mo is ever committed or forgotten.
"""

from pathlib import Path

from setuptools import find_namespace_packages, find_packages, setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("templates", "static")
CATALOGUES = "webapp/translations/*/LC_MESSAGES/messages.po"


def data_packages(folder: str) -> list[str]:
    """`folder` and each folder below it as a package webapp.<folder>[.<sub>] (files only)."""
    return [
        f"webapp.{folder}",
        *(f"webapp.{folder}.{sub}" for sub in find_namespace_packages(where=folder)),
    ]


def compile_catalogues() -> None:
    """messages.po -> messages.mo beside it, with Babel (Flask-Babel's own dependency)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(Path(__file__).parent.glob(CATALOGUES)):
        with po.open("rb") as source:
            catalogue = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue)


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        compile_catalogues()
        super().run()


data = [name for folder in DATA_FOLDERS for name in data_packages(folder)]
setup(
    # Every webapp package, so a new sub-package needs no edit here.
    packages=[*find_packages(include=["webapp", "webapp.*"]), *data],
    package_dir={f"webapp.{folder}": folder for folder in DATA_FOLDERS},
    package_data={
        "webapp": ["py.typed", "translations/*/LC_MESSAGES/*.mo"],
        **{name: ["*"] for name in data},
    },
    cmdclass={"build_py": BuildWithCatalogues},
)
