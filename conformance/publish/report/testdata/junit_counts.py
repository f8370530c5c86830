"""Parse junit.xml with junitparser (a real JUnit XML consumer) and print
'tests failures skipped' and one line per failed case 'classname name'."""
import sys

import junitparser

xml = junitparser.JUnitXml.fromfile(sys.argv[1])
tests = failures = skipped = 0
failed = []
for suite in xml:
    for case in suite:
        tests += 1
        kinds = {type(r).__name__ for r in case.result}
        if "Failure" in kinds:
            failures += 1
            failed.append(case.classname + " " + case.name)
        elif "Skipped" in kinds:
            skipped += 1
print(tests, failures, skipped)
for f in failed:
    print(f)
