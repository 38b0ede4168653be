"""Every setting a form shows has a plain label, and every one kept out of the way has a group."""

from brushwork.jobs.technique import studio_techniques
from brushwork.settings.labels import GROUPS, LABELS


def test_every_studio_setting_has_a_plain_label_and_a_group_unless_it_is_a_knob():
    grouped = [name for names in GROUPS.values() for name in names]
    assert len(grouped) == len(set(grouped)), "a setting in two groups"
    for kind in studio_techniques():
        for name in kind.settings.json_schema()["properties"]:
            if name == "schema_version":
                continue
            assert name in LABELS, f"{kind.name}: {name} has no label"
            assert "_" not in LABELS[name] and "--" not in LABELS[name] and LABELS[name][0].isupper()
            assert name in kind.knobs or name in grouped, f"{kind.name}: {name} is in no group"


def test_no_label_or_group_names_a_setting_that_does_not_exist():
    known = {name for kind in studio_techniques() for name in kind.settings.json_schema()["properties"]}
    assert set(LABELS) <= known
    assert {name for names in GROUPS.values() for name in names} <= known
