from __future__ import annotations

import dataclasses

from lawexam.questions.fingerprint import fingerprint
from lawexam.questions.qtypes import Option

from .factories import single, truefalse


def test_fingerprint_is_a_stable_hex_digest() -> None:
    assert fingerprint(single()) == fingerprint(single())
    assert len(fingerprint(single())) == 64


def test_formatting_noise_does_not_change_the_fingerprint() -> None:
    plain = truefalse(stem="Constitution Day is 12月4日.")
    noisy = dataclasses.replace(
        plain, stem="<p><b>CONSTITUTION</b>   day\u3000is １２月４日.</p>")
    assert fingerprint(plain) == fingerprint(noisy)


def test_answer_and_option_order_do_not_matter() -> None:
    original = single()
    shuffled = dataclasses.replace(
        original, answer="A",
        options=tuple(Option(k, o.text) for k, o in zip("ABCD", reversed(original.options))))
    assert fingerprint(original) == fingerprint(shuffled)


def test_type_stem_and_option_text_do_matter() -> None:
    base = single()
    assert fingerprint(base) != fingerprint(single(stem="国家安全教育日是哪一天？"))
    assert fingerprint(base) != fingerprint(single(options=("3月15日", "12月4日", "4月15日", "7月1日")))
    assert fingerprint(truefalse(stem="题")) != fingerprint(
        dataclasses.replace(truefalse(stem="题"), type="fill"))
