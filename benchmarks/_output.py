"""Output shared by the benchmarks: the result printed as JSON and, on request, saved."""

import json


def report(result, out=None):
    """Print the dict ``result`` as indented JSON; also write it to the file ``out`` if given."""
    text = json.dumps(result, indent=1)
    print(text)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
