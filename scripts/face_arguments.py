"""Count the public functions of the domains' faces by how they take arguments: `python scripts/face_arguments.py [-v]`.

A face is `app/<domain>/service.py` with what it re-exports from its own domain. A function "takes positional
parameters" when any parameter may be given by position; "writes" is a textual guess (a transaction, a save, an
insert, update, delete, upsert or enqueue in its body). CONTRIBUTING.md quotes these counts.
"""
import collections
import importlib
import inspect
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
WRITES = re.compile(r"atomic|\.save\(|\.insert|\.update\(|\.delete|\.create\(|create_row|update_row|upsert|enqueue|_with_retry")


def face_functions():
    """(domain, name, positional parameter names, writes) of every public function of every face."""
    for face in sorted((ROOT / "app").glob("*/service.py")):
        domain = face.parent.name
        module = importlib.import_module(f"app.{domain}.service")
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function):
                continue
            if not function.__module__.startswith(f"app.{domain}"):
                continue
            positional = [parameter.name for parameter in inspect.signature(function).parameters.values()
                          if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]
            yield domain, name, positional, bool(WRITES.search(inspect.getsource(function)))


def main(verbose):
    functions = list(face_functions())
    positional = [f for f in functions if f[2]]
    print(f"public face functions: {len(functions)}; keyword-only: {len(functions) - len(positional)}; "
          f"with a positional parameter: {len(positional)}")
    print(f"  of those, exactly one positional parameter: {sum(len(f[2]) == 1 for f in positional)}; "
          f"writing nothing: {sum(not f[3] for f in positional)}")
    print("  two or more:", ", ".join(f"{d}.{n}({', '.join(p)})" for d, n, p, _ in positional if len(p) > 1))
    print("  by domain:", dict(collections.Counter(f[0] for f in positional)))
    if verbose:
        for domain, name, params, writes in positional:
            print(f"    {domain}.{name}({', '.join(params)}, …){'  writes' if writes else ''}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main("-v" in sys.argv)
