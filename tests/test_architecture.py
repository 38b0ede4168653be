"""The rooms and the way data goes between them: no engine module imports an interface, and no two
packages import each other (read from the source, so an import inside a function counts too)."""

import ast
from collections import defaultdict
from pathlib import Path

import brushwork

ROOT = Path(brushwork.__file__).parent
# The ways in: they may import the engine; the engine never imports them.
INTERFACES = {"cli", "studio", "api", "__main__"}


def imports() -> dict[str, set[str]]:
    """Each brushwork module (dotted, without the ``brushwork.``) -> the brushwork modules it imports."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(package[: len(package) - node.level + 1])
                    stem = ".".join(["brushwork", *base, *([node.module] if node.module else [])])
                else:
                    stem = node.module or ""
                names = [f"{stem}.{alias.name}" for alias in node.names] if node.module is None else [stem]
            else:
                continue
            found[module] |= {name.removeprefix("brushwork.") for name in names if name.startswith("brushwork.")}
    return found


def room(module: str) -> str:
    return module.split(".")[0]


def test_no_engine_module_imports_an_interface():
    offending = sorted(
        (module, target)
        for module, targets in imports().items()
        if room(module) not in INTERFACES and module
        for target in targets
        if room(target) in INTERFACES
    )
    assert offending == []


def test_no_two_packages_import_each_other():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in imports().items():
        for target in targets:
            if module and room(module) != room(target):
                graph[room(module)].add(room(target))
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif len(path) < 12:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


def test_the_graph_is_read_whole():
    found = imports()
    assert "memory" in found["techniques.planning"]  # `from .. import memory`
    assert "techniques.transfer" in found["video.painter"]


# Engine code runs on whatever device its input is on (a GPU, a Mac's MPS): a tensor it makes names its
# device, or it lands on the CPU and meets the input's device in an error. Constants made at import time
# are moved where they are used (``.to(image)``), and a module's buffers move with the module.
ENGINE = ("techniques", "losses", "render", "optim", "image", "video")
FACTORIES = {"zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "arange", "linspace", "eye"}
FACTORIES |= {"tensor", "as_tensor"}


def factory_calls_without_a_device() -> list[str]:
    found = []
    for package in ENGINE:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    continue
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name)
                        and node.func.value.id == "torch"
                        and node.func.attr in FACTORIES
                        and not any(keyword.arg == "device" for keyword in node.keywords)
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} torch.{node.func.attr}")
    return sorted(set(found))


def test_every_tensor_that_engine_code_makes_names_its_device():
    assert factory_calls_without_a_device() == []


def engine_trees():
    for package in ENGINE:
        for path in (ROOT / package).rglob("*.py"):
            yield path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8"))


def numpy_without_cpu() -> list[str]:
    """``x.numpy()`` where ``x`` is not ``….cpu()``: it raises for a tensor on a GPU."""
    found = []
    for path, tree in engine_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "numpy":
                receiver = node.func.value
                moved = (
                    isinstance(receiver, ast.Call)
                    and isinstance(receiver.func, ast.Attribute)
                    and receiver.func.attr == "cpu"
                )
                if not moved:
                    found.append(f"{path}:{node.lineno}")
    return found


def hard_coded_cpu() -> list[str]:
    """The word "cpu" as a string in engine code: a device chosen for the user, where the input's belongs."""
    return [
        f"{path}:{node.lineno}"
        for path, tree in engine_trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower().startswith("cpu")
    ]


def test_engine_code_moves_a_tensor_to_the_host_before_numpy():
    assert numpy_without_cpu() == []


def test_engine_code_names_no_device_itself():
    assert hard_coded_cpu() == []
