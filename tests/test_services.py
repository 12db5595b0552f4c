"""The services' registry of feature parts: one part a type, put by the composition root."""

from __future__ import annotations

import pytest

from bot.context import MissingPart, Services
from checklist.checkup_rules import CheckupRules
from checklist.rules import ChecklistRules
from knowledge.base import KnowledgeBase
from scheduler.rules import Rules as ReminderRules


class Part:
    def __init__(self, name: str) -> None:
        self.name = name


def test_a_part_is_found_by_its_type_and_replaced_by_another_of_the_same_type(services: Services) -> None:
    services.put(Part("first"))
    assert services.get(Part).name == "first"
    services.put(Part("second"))
    assert services.get(Part).name == "second"


def test_a_missing_part_is_a_clear_error_naming_it(services: Services) -> None:
    with pytest.raises(MissingPart, match=r"no tests\.test_services\.Part in services .*build_services"):
        services.get(Part)


def test_a_bare_function_or_a_class_is_refused_as_a_part(services: Services) -> None:
    for wrong in (len, lambda: None, Part, Part("x").__init__):
        with pytest.raises(TypeError, match="typed part"):
            services.put(wrong)


def test_the_composition_root_puts_the_feature_parts(services: Services) -> None:
    for kind in (KnowledgeBase, ChecklistRules, CheckupRules, ReminderRules):
        assert isinstance(services.get(kind), kind)
