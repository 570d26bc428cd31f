"""The test suite is laid out like the code, and shares its builders through tests/helpers only.

A test module lives in the folder of the app (or package) it covers; what several test
modules need lives in tests.helpers, imported by its full name; fixtures live in
conftest.py. A test module never imports another one: pytest would run the imported
tests' module twice over, and a change to one test file would break another.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HELPERS = TESTS / "helpers"


def _python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def _imported_modules(path: Path) -> list[tuple[int, str, int]]:
    """(line, dotted name, relative level) of every module an import in ``path`` names."""
    imported = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            imported += [(node.lineno, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            imported.append((node.lineno, module, node.level))
            # `from tests.api import test_x` imports a module too.
            imported += [(node.lineno, f"{module}.{alias.name}".lstrip("."), node.level) for alias in node.names]
    return imported


def test_no_test_module_imports_another():
    offending = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {'.' * level}{name}"
        for path in _python_files()
        for line, name, level in _imported_modules(path)
        if name.rpartition(".")[2].startswith("test_")
    ]
    assert not offending, "move what is shared into tests/helpers/ (fixtures into a conftest.py):\n" + "\n".join(
        offending
    )


def test_helpers_are_imported_by_their_full_name():
    offending = sorted(
        {
            f"{path.relative_to(TESTS.parent)}:{line} has a relative import"
            for path in _python_files()
            for line, _name, level in _imported_modules(path)
            if level
        }
    )
    assert not offending, "import helpers as `from tests.helpers.<module> import ...`:\n" + "\n".join(offending)


def test_helpers_hold_no_tests():
    tests_in_helpers = [str(path.relative_to(TESTS.parent)) for path in HELPERS.rglob("test_*.py")]
    assert not tests_in_helpers, f"tests belong beside the code they cover, not in tests/helpers: {tests_in_helpers}"
    assert not list(HELPERS.rglob("conftest.py")), "fixtures belong in tests/conftest.py or a test folder's conftest.py"


def test_every_test_module_lives_in_the_folder_of_what_it_covers():
    loose = sorted(path.name for path in TESTS.glob("test_*.py") if path != Path(__file__).resolve())
    assert not loose, f"move these into the folder of the app they cover: {loose}"


def test_every_test_folder_is_a_package():
    # Without __init__.py pytest puts the folder itself on sys.path, where tests/config
    # would shadow the config package and two test modules of one name would collide.
    folders = {path.parent for path in _python_files()}
    missing = sorted(
        str(folder.relative_to(TESTS.parent)) for folder in folders if not (folder / "__init__.py").exists()
    )
    assert not missing, f"add an __init__.py to: {missing}"
