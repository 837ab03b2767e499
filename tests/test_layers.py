"""The packages keep their order (pyproject.toml, [tool.importlinter]; docs/architecture.md), and
the check fails on an upward import: at the top of a module, inside a function, between packages
of one layer that stay apart, and from a package the contract does not place."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(config: Path, where: Path) -> tuple[int, str]:
    """The check as `make lint` runs it, in a process of its own (it sets up logging as a
    command does, which would silence the loggers of the tests that follow), and what it
    printed on one line (it wraps long lines)."""
    done = subprocess.run(
        [LINT_IMPORTS, str(config), "--no-cache"],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, " ".join(done.stdout.split())


def test_every_package_imports_only_the_layers_below_it():
    code, said = _lint(ROOT / "pyproject.toml", ROOT)
    assert code == 0, said


def _packages(layer: str) -> list[str]:
    return [name.strip() for part in layer.split("|") for name in part.split(":")]


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _copy_of_the_project(tmp_path: Path, root: str) -> Path:
    """A package named `root` with one empty module for each package the real contract places,
    and the real contract pointed at it."""
    (contract,) = CONTRACT["contracts"]
    package = tmp_path / root
    package.mkdir()
    (package / "__init__.py").write_text("")
    for layer in contract["layers"]:
        for name in _packages(layer):
            (package / name).mkdir()
            (package / name / "__init__.py").write_text("")
    config = tmp_path / "contracts.toml"
    config.write_text(
        f'[tool.importlinter]\nroot_package = "{root}"\n\n'
        "[[tool.importlinter.contracts]]\n"
        f'id = "{contract["id"]}"\nname = "{contract["name"]}"\ntype = "layers"\n'
        f'containers = ["{root}"]\nexhaustive = {str(contract["exhaustive"]).lower()}\n'
        f"layers = {_toml_list(contract['layers'])}\n"
    )
    return config


def test_the_copy_of_the_project_keeps_the_contract(tmp_path):
    """The cases below fail because of the import each adds, not because of the copy."""
    code, said = _lint(_copy_of_the_project(tmp_path, "layered_clean"), tmp_path)
    assert code == 0, said


VIOLATIONS = {
    # module: (source, what the check must say)
    "module_level": (
        "auth/views.py",
        "from {root}.api import tokens\n",
        "{root}.auth is not allowed to import {root}.api",
    ),
    "inside_a_function": (
        "opportunities/services.py",
        "def cancel():\n    from {root}.bookings import services\n\n    return services\n",
        "{root}.opportunities is not allowed to import {root}.bookings",
    ),
    "core_reaching_up": (
        "core/security.py",
        "import {root}.auth.models\n",
        "{root}.core is not allowed to import {root}.auth",
    ),
    "between_independent_siblings": (
        "home/views.py",
        "from {root}.admin import views\n",
        "{root}.home is not allowed to import {root}.admin",
    ),
}


@pytest.mark.parametrize("case", VIOLATIONS)
def test_an_upward_import_fails_the_check(case, tmp_path):
    root = f"layered_{case}"
    config = _copy_of_the_project(tmp_path, root)
    path, source, message = VIOLATIONS[case]
    (tmp_path / root / path).write_text(source.format(root=root))
    code, said = _lint(config, tmp_path)
    assert code == 1
    assert message.format(root=root) in said


def test_a_package_the_contract_does_not_place_fails_the_check(tmp_path):
    root = "layered_unplaced"
    config = _copy_of_the_project(tmp_path, root)
    (tmp_path / root / "newarea").mkdir()
    (tmp_path / root / "newarea" / "__init__.py").write_text("")
    code, said = _lint(config, tmp_path)
    assert code == 1
    assert f"- {root}.newarea" in said
