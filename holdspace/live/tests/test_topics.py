"""The topic registry: one authorizer per name, and malformed topics are simply unknown."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from holdspace.live.topics import (
    is_registered,
    register_topic_authorizer,
    split_topic,
    topic_uuid,
)


def _never(request, suffix):
    return False


def test_split_topic():
    assert split_topic("board") == ("board", "")
    assert split_topic("session:1c5e") == ("session:", "1c5e")
    assert split_topic("session:a:b") == ("session:", "a:b")


def test_a_name_cannot_be_taken_over_by_a_second_authorizer():
    register_topic_authorizer("test_taken:", _never)
    register_topic_authorizer("test_taken:", _never)  # the same one again is harmless
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_topic_authorizer("test_taken:", lambda request, suffix: True)


@pytest.mark.parametrize("prefix", ["", ":", "two words:", "a:b:", "bad-dash"])
def test_prefixes_are_plain_words(prefix):
    with pytest.raises(ImproperlyConfigured):
        register_topic_authorizer(prefix, _never)


@pytest.mark.parametrize(
    ("topic", "known"),
    [
        ("board", True),
        ("clinic", True),
        ("board:", False),
        ("board:x", False),
        ("test_patient:", False),
        ("test_patient:abc", True),
        ("test_patient:a b", False),
        ("test_patient:a\nb", False),
        ("test_patient:" + "x" * 80, False),
        ("unknown", False),
    ],
)
def test_what_counts_as_a_registered_topic(topic, known):
    assert is_registered(topic) is known


def test_topic_uuid_reads_only_uuids():
    assert topic_uuid("2d7f3f3e-3c8e-4c47-9a8e-6d1f0b2a9c11") is not None
    assert topic_uuid("42") is None
    assert topic_uuid("") is None
