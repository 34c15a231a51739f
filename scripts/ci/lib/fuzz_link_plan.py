#!/usr/bin/env python3
"""What one fuzz harness links, read from the package itself rather than restated in fuzz.sh.

  fuzz_link_plan.py DESCRIBE.json DUMP.json HARNESS.swift ... -> four lines:
    modules:   the package's library targets the harness imports (SwiftPM builds these)
    objects:   every build directory whose objects the harness links (the imports' transitive closure,
               package products included)
    libraries: the -l flags of the system libraries (pkg-config) and linker settings in that closure
    includes:  header folders of that closure: the system-library module maps (COpenSSL, CLibRaw) and the public
               headers of C targets (CPNG/include), which one C module's header may include from another's

DESCRIBE.json is `swift package describe --type json` (the module graph), DUMP.json `swift package
dump-package` (pkg-config names and linker settings, which describe does not carry).
"""
import json
import re
import subprocess
import sys

describe = json.load(open(sys.argv[1]))
dump = json.load(open(sys.argv[2]))
targets = {t["name"]: t for t in describe["targets"]}
manifest = {t["name"]: t for t in dump["targets"]}

imported = []
for harness in sys.argv[3:]:
    for line in open(harness, encoding="utf-8"):
        match = re.match(r"\s*(?:@testable\s+)?import\s+(\w+)", line)
        if match and match.group(1) in targets and match.group(1) not in imported:
            imported.append(match.group(1))
if not imported:
    sys.exit(f"{sys.argv[3]}: imports no target of this package")

closure, products, pending = [], [], list(imported)
while pending:
    name = pending.pop()
    if name in closure:
        continue
    closure.append(name)
    pending += targets[name].get("target_dependencies", [])
    products += [p for p in targets[name].get("product_dependencies", []) if p not in products]

objects, libraries = [], []
for name in sorted(closure):
    target = targets[name]
    if target["type"] != "system-target":
        objects.append(name)
    settings = manifest[name]
    if settings.get("pkgConfig"):
        flags = subprocess.run(["pkg-config", "--libs", settings["pkgConfig"]], check=True,
                               capture_output=True, text=True).stdout.split()
        # Only what names a library: pkg-config may add compiler flags (-fopenmp) that swiftc refuses.
        libraries += [f for f in flags if f.startswith(("-l", "-L")) and f not in libraries]
    for setting in settings.get("settings", []):
        library = setting.get("kind", {}).get("linkedLibrary", {}).get("_0")
        if library and f"-l{library}" not in libraries:
            libraries.append(f"-l{library}")
# A package product is built from the target of the same name (HTTPTypes, Logging).
objects += products
print("modules:", " ".join(m for m in imported if targets[m]["type"] == "library"))
print("objects:", " ".join(objects))
print("libraries:", " ".join(libraries))
includes = [targets[n]["path"] for n in sorted(closure) if targets[n]["type"] == "system-target"]
includes += [targets[n]["path"] + "/include" for n in sorted(closure) if targets[n].get("module_type") == "ClangTarget"]
print("includes:", " ".join(includes))
