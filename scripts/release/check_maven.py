#!/usr/bin/env python3
"""Checks the Maven bundle a release publishes to Maven Central (dist/java, a local Maven
repository layout) against Central's publishing requirements
(https://central.sonatype.org/publish/requirements/): correct coordinates and a release
(non-SNAPSHOT) version; name, description, url, licenses, developers and scm in the POM; a
-sources.jar and a -javadoc.jar next to the jar; valid .md5 and .sha1 checksums for every
file. Signatures (.asc) are made by publib with the GPG key at publish time, not here.

    python3 scripts/release/check_maven.py DIST_JAVA GROUP_ID ARTIFACT_ID VERSION

Prints one line per problem and exits 1 when there is any.
"""
import hashlib
import os
import sys
import xml.etree.ElementTree as ET
import zipfile

NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def text(node, path):
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def check_pom(pom_xml, group_id, artifact_id, version):
    """Problems of a POM's metadata (a string of XML) for Central."""
    problems = []
    try:
        root = ET.fromstring(pom_xml)
    except ET.ParseError as err:
        return [f"POM is not well-formed XML: {err}"]
    for tag, want in (("groupId", group_id), ("artifactId", artifact_id), ("version", version)):
        got = text(root, f"m:{tag}")
        if got != want:
            problems.append(f"POM <{tag}> is '{got}', expected '{want}'")
    if version.endswith("-SNAPSHOT"):
        problems.append(f"version {version} is a SNAPSHOT: Central takes releases only")
    for tag in ("name", "description", "url"):
        if not text(root, f"m:{tag}"):
            problems.append(f"POM has no <{tag}>")
    licenses = root.findall("m:licenses/m:license", NS)
    if not licenses:
        problems.append("POM has no <licenses><license>")
    for lic in licenses:
        if not text(lic, "m:name") or not text(lic, "m:url"):
            problems.append("a <license> lacks <name> or <url>")
    developers = root.findall("m:developers/m:developer", NS)
    if not developers:
        problems.append("POM has no <developers><developer>")
    for dev in developers:
        if not text(dev, "m:name") and not text(dev, "m:id"):
            problems.append("a <developer> has neither <name> nor <id>")
    scm = root.find("m:scm", NS)
    if scm is None:
        problems.append("POM has no <scm>")
    else:
        for tag in ("connection", "url"):
            if not text(scm, f"m:{tag}"):
                problems.append(f"<scm> has no <{tag}>")
    return problems


def check_jar(path, kind):
    """Problems of one jar: a readable zip with the content its kind needs."""
    if not os.path.isfile(path):
        return [f"{os.path.basename(path)} is missing ({kind} jar)"]
    try:
        with zipfile.ZipFile(path) as jar:
            bad = jar.testzip()
            names = jar.namelist()
    except zipfile.BadZipFile as err:
        return [f"{os.path.basename(path)} is not a jar: {err}"]
    if bad is not None:
        return [f"{os.path.basename(path)}: corrupt entry {bad}"]
    wanted = {"classes": ".class", "sources": ".java", "javadoc": "index.html"}[kind]
    if not any(n.endswith(wanted) for n in names):
        return [f"{os.path.basename(path)} has no {wanted} entry ({kind} jar)"]
    return []


def check_checksums(path):
    problems = []
    with open(path, "rb") as f:
        data = f.read()
    for alg in ("md5", "sha1"):
        sidecar = f"{path}.{alg}"
        if not os.path.isfile(sidecar):
            problems.append(f"{os.path.basename(sidecar)} is missing")
            continue
        with open(sidecar, encoding="ascii") as f:
            declared = (f.read().split() or [""])[0].lower()
        if declared != hashlib.new(alg, data).hexdigest():
            problems.append(f"{os.path.basename(sidecar)} does not match the file")
    return problems


def check_bundle(dist_java, group_id, artifact_id, version):
    base = os.path.join(dist_java, *group_id.split("."), artifact_id, version)
    stem = os.path.join(base, f"{artifact_id}-{version}")
    if not os.path.isdir(base):
        return [f"{base} does not exist"]
    pom = f"{stem}.pom"
    if not os.path.isfile(pom):
        return [f"{os.path.basename(pom)} is missing"]
    with open(pom, encoding="utf-8") as f:
        problems = check_pom(f.read(), group_id, artifact_id, version)
    problems += check_jar(f"{stem}.jar", "classes")
    problems += check_jar(f"{stem}-sources.jar", "sources")
    problems += check_jar(f"{stem}-javadoc.jar", "javadoc")
    for suffix in (".pom", ".jar", "-sources.jar", "-javadoc.jar"):
        if os.path.isfile(f"{stem}{suffix}"):
            problems += check_checksums(f"{stem}{suffix}")
    return problems


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    dist_java, group_id, artifact_id, version = argv
    problems = check_bundle(dist_java, group_id, artifact_id, version)
    for p in problems:
        print(f"maven: FAIL {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"maven: {group_id}:{artifact_id}:{version}: POM metadata, jar, sources and javadoc jars, md5/sha1 checksums pass")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
