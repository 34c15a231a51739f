#!/usr/bin/env python3
"""Checks what the Kubernetes and Compose schemas cannot: that sid's rendered manifests hang together and
keep the promises docs/operations.md makes. Selectors and named ports match, the drain fits in the grace
period, every container is locked down and sized, every SID_* variable set is one that sid reads, and the
Dockerfile's build stage gets every folder SwiftPM needs to read Package.swift.

usage: check-manifests.py --sources Sources [--kubernetes RENDERED.yaml ...] [--compose COMPOSE.yaml ...]
                          [--dockerfile Dockerfile]
Prints one sentence per problem and exits 1 if there is any.
"""
import argparse
import pathlib
import re
import sys

import yaml


def known_variables(sources):
    """The SID_* names sid reads: every quoted "SID_..." literal in its Swift sources."""
    names = set()
    for path in pathlib.Path(sources).rglob("*.swift"):
        names.update(re.findall(r'"(SID_[A-Z0-9_]+)"', path.read_text(encoding="utf-8")))
    return names


def seconds(text):
    """A Compose duration ("70s", "1m30s", "500ms") or a bare number, in seconds."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)", text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"{text!r} is not a duration")
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6}
    return sum(float(number) * scale[unit] for number, unit in parts)


def is_subset(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


class Checker:
    def __init__(self, variables):
        self.variables = variables
        self.problems = []
        self.checks = 0

    def expect(self, condition, problem):
        self.checks += 1
        if not condition:
            self.problems.append(problem)

    def check_variables(self, where, names):
        for name in names:
            if name.startswith("SID_"):
                self.expect(name in self.variables, f"{where} sets {name}, which sid does not read")

    def check_kubernetes(self, path):
        documents = [d for d in yaml.safe_load_all(pathlib.Path(path).read_text(encoding="utf-8")) if d]
        by_kind = {}
        for document in documents:
            by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
        deployments = by_kind.get("Deployment", {})
        self.expect(bool(deployments), f"{path} has no Deployment")
        for name, deployment in deployments.items():
            self.check_deployment(f"{path}: Deployment {name}", deployment, by_kind)

        def pods_matching(selector):
            return [n for n, d in deployments.items()
                    if is_subset(selector, d["spec"]["template"]["metadata"].get("labels", {}))]

        for name, service in by_kind.get("Service", {}).items():
            where = f"{path}: Service {name}"
            targets = pods_matching(service["spec"].get("selector", {}))
            self.expect(bool(targets), f"{where} selects no Deployment's pods")
            for port in service["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                for deployment in targets:
                    ports = [p for c in deployments[deployment]["spec"]["template"]["spec"]["containers"]
                             for p in c.get("ports", [])]
                    self.expect(any(target in (p.get("name"), p["containerPort"]) for p in ports),
                                f"{where} sends port {port['port']} to {target!r}, which no container of "
                                f"{deployment} opens")
        for name, budget in by_kind.get("PodDisruptionBudget", {}).items():
            self.expect(bool(pods_matching(budget["spec"]["selector"].get("matchLabels", {}))),
                        f"{path}: PodDisruptionBudget {name} selects no Deployment's pods")
        for name, autoscaler in by_kind.get("HorizontalPodAutoscaler", {}).items():
            target = autoscaler["spec"]["scaleTargetRef"]
            where = f"{path}: HorizontalPodAutoscaler {name}"
            self.expect(target["kind"] == "Deployment" and target["name"] in deployments,
                        f"{where} scales {target['kind']} {target['name']}, which is not in the manifests")
            if target["name"] in deployments:
                self.expect("replicas" not in deployments[target["name"]]["spec"],
                            f"{where} scales Deployment {target['name']}, which also fixes `replicas` "
                            f"(every apply would undo the autoscaler)")
            self.expect(autoscaler["spec"].get("minReplicas", 1) >= 2,
                        f"{where} allows a single pod: its drain or loss would stop the service")

    def check_deployment(self, where, deployment, by_kind):
        pod = deployment["spec"]["template"]["spec"]
        annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
        security = pod.get("securityContext", {})
        self.expect(security.get("runAsNonRoot") is True, f"{where} does not require a non-root user")
        self.expect(security.get("seccompProfile", {}).get("type") == "RuntimeDefault",
                    f"{where} does not use the RuntimeDefault seccomp profile")
        self.expect(pod.get("enableServiceLinks") is False,
                    f"{where} lets Service links inject SID_PORT-style variables into sid's environment")
        account = pod.get("serviceAccountName")
        self.expect(account is None or account in by_kind.get("ServiceAccount", {}),
                    f"{where} runs as ServiceAccount {account}, which is not in the manifests")
        volumes = {v["name"] for v in pod.get("volumes", [])}
        config_maps = by_kind.get("ConfigMap", {})
        containers = pod["containers"]
        every_container = pod.get("initContainers", []) + containers
        for container in every_container:
            name = f"{where}, container {container['name']}"
            context = container.get("securityContext", {})
            self.expect(context.get("allowPrivilegeEscalation") is False, f"{name} may escalate privileges")
            self.expect(context.get("readOnlyRootFilesystem") is True, f"{name} has a writable root filesystem")
            self.expect("ALL" in context.get("capabilities", {}).get("drop", []),
                        f"{name} keeps Linux capabilities")
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    self.expect(resource in resources.get(kind, {}), f"{name} has no {resource} {kind[:-1]}")
            for mount in container.get("volumeMounts", []):
                self.expect(mount["name"] in volumes, f"{name} mounts {mount['name']}, which is not a volume")
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    self.expect(source["configMapRef"]["name"] in config_maps,
                                f"{name} reads ConfigMap {source['configMapRef']['name']}, which is not in the manifests")
            env = container.get("env", [])
            self.check_variables(name, [e["name"] for e in env])
            for entry in env:
                field = entry.get("valueFrom", {}).get("resourceFieldRef")
                if field:
                    self.expect(field.get("containerName") in {c["name"] for c in containers},
                                f"{name} takes {entry['name']} from a container that does not exist")

        sid = next((c for c in containers if c["name"] == "sid"), None)
        self.expect(sid is not None, f"{where} has no container named sid")
        if sid is None:
            return
        name = f"{where}, container sid"
        port_names = {p.get("name") for p in sid.get("ports", [])} | {p["containerPort"] for p in sid.get("ports", [])}
        for probe, path in (("startupProbe", "/readyz"), ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            http = sid.get(probe, {}).get("httpGet")
            self.expect(http is not None and http.get("path") == path, f"{name} has no {probe} on {path}")
            if http is not None:
                self.expect(http.get("port") in port_names, f"{name}'s {probe} asks port {http.get('port')!r}, which sid does not open")
        if "prometheus.io/port" in annotations:
            self.expect(annotations["prometheus.io/port"] in {str(p) for p in port_names},
                        f"{where} tells Prometheus to scrape port {annotations['prometheus.io/port']}, which sid does not open")
        self.expect(annotations.get("prometheus.io/path", "/metrics") == "/metrics",
                    f"{where} tells Prometheus to scrape a path other than /metrics")

        values = {e["name"]: e.get("value") for e in sid.get("env", [])}
        grace = float(values.get("SID_GRACE_SECONDS") or 30)
        command = sid.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        self.expect(len(command) == 2 and command[0] == "sleep" and command[1].isdigit(),
                    f"{name} has no preStop sleep, so requests still arrive after its listener closes")
        pause = int(command[1]) if len(command) == 2 and command[1].isdigit() else 0
        budget = pod.get("terminationGracePeriodSeconds", 30)
        self.expect(budget > pause + grace,
                    f"{where}: terminationGracePeriodSeconds {budget} does not cover the preStop sleep ({pause} s) "
                    f"plus SID_GRACE_SECONDS ({grace:g} s), so draining pods get killed mid-request")

    def check_dockerfile(self, path, package):
        text = pathlib.Path(path).read_text(encoding="utf-8")
        names = re.findall(r"\b(SID_[A-Z0-9_]+)=", text)
        self.check_variables(path, names)
        # SwiftPM refuses a manifest whose target folders are missing, even to build one product, so the
        # build stage needs Tests/ as well as Sources/, and the build context must carry both.
        copied = set(re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+?)/?\s", text, re.M))
        ignore = pathlib.Path(path).parent / ".dockerignore"
        ignored = set()
        if ignore.exists():
            lines = [line.strip() for line in ignore.read_text(encoding="utf-8").splitlines()]
            ignored = {line.rstrip("/") for line in lines if line and not line.startswith(("#", "!"))}
        for folder in ("Sources", "Tests"):
            if not (package / folder).is_dir():
                continue
            self.expect(folder in copied, f"{path} does not COPY {folder}/, and SwiftPM refuses Package.swift "
                                          f"without every target's folder")
            self.expect(folder not in ignored, f"{ignore} leaves {folder}/ out of the build context, and SwiftPM "
                                               f"refuses Package.swift without every target's folder")

    def check_compose(self, path):
        document = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8"))
        for name, service in document.get("services", {}).items():
            where = f"{path}: service {name}"
            environment = service.get("environment", {})
            if isinstance(environment, list):
                environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
            self.check_variables(where, environment)
            grace = float(environment.get("SID_GRACE_SECONDS") or 30)
            self.expect(seconds(service.get("stop_grace_period", "10s")) > grace,
                        f"{where}: stop_grace_period does not exceed SID_GRACE_SECONDS ({grace:g} s), so Docker "
                        f"kills sid mid-drain")
            user = str(service.get("user", ""))
            self.expect(user != "" and user.split(":")[0] not in ("0", "root"), f"{where} does not run as a non-root user")
            self.expect(service.get("read_only") is True, f"{where} has a writable root filesystem")
            self.expect("ALL" in service.get("cap_drop", []), f"{where} keeps Linux capabilities")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", required=True, help="sid's Sources directory, for the SID_* names it reads")
    parser.add_argument("--kubernetes", nargs="*", default=[], help="rendered Kubernetes manifests (multi-document YAML)")
    parser.add_argument("--compose", nargs="*", default=[], help="Compose files")
    parser.add_argument("--dockerfile", nargs="*", default=[],
                        help="Dockerfiles, for the SID_* variables they set and the package folders they copy")
    arguments = parser.parse_args()
    variables = known_variables(arguments.sources)
    if not variables:
        sys.exit(f"no SID_* variable names found under {arguments.sources}: is it sid's Sources directory?")
    checker = Checker(variables)
    for path in arguments.kubernetes:
        checker.check_kubernetes(path)
    for path in arguments.compose:
        checker.check_compose(path)
    for path in arguments.dockerfile:
        checker.check_dockerfile(path, pathlib.Path(arguments.sources).resolve().parent)
    for problem in checker.problems:
        print(f"error: {problem}", file=sys.stderr)
    if checker.problems:
        sys.exit(1)
    print(f"check-manifests: {checker.checks} checks passed")


if __name__ == "__main__":
    main()
