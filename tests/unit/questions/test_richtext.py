from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawexam.questions.richtext import (
    clean_plain_text, html_to_text, is_allowed_image_src, replace_attachment_sources,
    sanitize_stem_html, text_to_html)

# Printable text of every script, plus the characters HTML and our formats care about.
plain_texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&\"'\n\t \xa0\u3000"),
    max_size=80)


def test_allowed_markup_survives() -> None:
    html = ("<p><b>粗</b><strong>体</strong><i>斜</i><em>体</em><u>下</u>H<sub>2</sub>O "
            "x<sup>2</sup><span>s</span></p><ul><li>一</li></ul><ol><li>二</li></ol><br>")
    assert sanitize_stem_html(html) == html


@pytest.mark.parametrize("dirty, clean", [
    ('<script>alert(1)</script><p>题</p>', "<p>题</p>"),
    ('<p onclick="x()" style="color:red" class="c">题</p>', "<p>题</p>"),
    ('<a href="javascript:alert(1)">链接</a>', "链接"),
    ('<iframe src="https://evil"></iframe>题', "题"),
    ('<img src="x" onerror="alert(1)">', ""),
    ('<img src="javascript:alert(1)">', ""),
    ('<img src="https://evil.example/x.png">', ""),
    ('<img src="//evil.example/x.png">', ""),
    ('<img src="/media/../secret">', ""),
    ('<img src="/media/%2e%2e/secret">', ""),
    ('<img src="data:image/png;base64,AAAA">', ""),
    ('<img src="attachment:../x.png">', ""),
    ('<!-- note --><p>题</p>', "<p>题</p>"),
])
def test_dangerous_markup_is_removed(dirty: str, clean: str) -> None:
    assert sanitize_stem_html(dirty) == clean


def test_images_from_media_and_attachments_are_kept() -> None:
    html = ('<img src="/media/q/1.png" alt="图" width="120" height="80">'
            '<img src="attachment:seal 1.png" alt="章">')
    assert sanitize_stem_html(html) == html
    assert sanitize_stem_html('<img src="/media/a.png" width="100%">') == '<img src="/media/a.png">'


@pytest.mark.parametrize("src, allowed", [
    ("/media/a.png", True), ("attachment:图片.png", True), ("/static/a.png", False),
    ("attachment:a/b.png", False), ("/media/", False), ("/media/a\\b", False),
])
def test_image_source_rules(src: str, allowed: bool) -> None:
    assert is_allowed_image_src(src) is allowed


def test_text_to_html_escapes_markup_and_keeps_lines() -> None:
    assert text_to_html('<html class="cool"> & images\n第二行') == (
        '&lt;html class="cool"&gt; &amp; images<br>第二行')


def test_html_to_text_reads_blocks_breaks_and_entities() -> None:
    html = "<p>第一段</p>\n  <p>第二&nbsp;段 &lt;b&gt;</p><ul><li>甲</li><li>乙</li></ul>"
    assert html_to_text(html) == "第一段\n第二 段 <b>\n甲\n乙"
    assert html_to_text("<script>x()</script>题") == "题"


def test_clean_plain_text_canonical_form() -> None:
    assert clean_plain_text("  a \t b\r\n  c\x00\x0b \xa0d  \n\n") == "a b\nc d"
    assert clean_plain_text("\u3000\u3000缩进") == "缩进"
    assert clean_plain_text("第一行\n\n第三行") == "第一行\n\n第三行"


def test_replace_attachment_sources() -> None:
    stem = '<img src="attachment:a b.png"><img src="/media/x.png">'
    assert replace_attachment_sources(stem, lambda name: "/media/q/" + name.replace(" ", "_")) == (
        '<img src="/media/q/a_b.png"><img src="/media/x.png">')


@settings(max_examples=200)
@given(plain_texts)
def test_plain_text_round_trips_through_html(text: str) -> None:
    clean = clean_plain_text(text)
    assert clean_plain_text(clean) == clean
    html = text_to_html(text)
    assert html_to_text(html) == clean
    # text_to_html output is already in sanitised form, so storing it never changes it.
    assert sanitize_stem_html(html) == html
