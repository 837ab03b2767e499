"""The packages keep their order (pyproject.toml, [tool.importlinter]; docs/architecture.md), and
the check fails on an upward import: at the top of a module, inside a function, between packages
of one layer that stay apart, and from a package the contract does not place."""

import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _lint(config: Path) -> int:
    return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)


def _said(capsys) -> str:
    """What the check printed, on one line (it wraps long lines)."""
    return " ".join(capsys.readouterr().out.split())


def test_every_package_imports_only_the_layers_below_it(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert _lint(ROOT / "pyproject.toml") == 0, capsys.readouterr().out


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


def test_the_copy_of_the_project_keeps_the_contract(tmp_path, monkeypatch, capsys):
    """The cases below fail because of the import each adds, not because of the copy."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert _lint(_copy_of_the_project(tmp_path, "layered_clean")) == 0, capsys.readouterr().out


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
def test_an_upward_import_fails_the_check(case, tmp_path, monkeypatch, capsys):
    root = f"layered_{case}"
    config = _copy_of_the_project(tmp_path, root)
    path, source, message = VIOLATIONS[case]
    (tmp_path / root / path).write_text(source.format(root=root))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert _lint(config) == 1
    assert message.format(root=root) in _said(capsys)


def test_a_package_the_contract_does_not_place_fails_the_check(tmp_path, monkeypatch, capsys):
    root = "layered_unplaced"
    config = _copy_of_the_project(tmp_path, root)
    (tmp_path / root / "newarea").mkdir()
    (tmp_path / root / "newarea" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert _lint(config) == 1
    assert f"- {root}.newarea" in _said(capsys)
