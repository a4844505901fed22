"""The README's Python example runs as it is written."""

import re

from conftest import HERE


def test_the_readme_example_runs():
    text = (HERE / "README.md").read_text()
    section = text[text.index("## Python\n"):]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "README.md's Python section has no ```python block"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert namespace["stored"]["sequence_no"] == 0
    assert namespace["stored"]["event_id"].startswith("evt_")
