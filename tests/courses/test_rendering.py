"""Authored article text can never put script into a learner's page."""

import pytest

from courses.rendering import render_markdown


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        '<img src="x.png" onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">click</a>',
        "<svg><script>alert(1)</script></svg>",
        '<svg onload="alert(1)"></svg>',
        '<iframe src="https://evil.example"></iframe>',
        '<style>body{background:url("javascript:alert(1)")}</style>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<form action="https://evil.example"><input name=q></form>',
        '<object data="javascript:alert(1)"></object>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    ],
)
def test_hostile_html_in_an_article_is_rendered_inert(hostile):
    html = render_markdown(f"Before\n\n{hostile}\n\nAfter").lower()

    for marker in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
        "<svg",
        "<form",
        "<object",
        "<meta",
        "<math",
    ):
        assert marker not in html
    assert "before" in html


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        '<a href="jav&#x0A;ascript:alert(1)">click</a>',
    ],
)
def test_links_with_dangerous_schemes_lose_their_target(link):
    html = render_markdown(link)

    assert "click" in html
    assert "href" not in html


def test_ordinary_article_markup_survives():
    html = render_markdown(
        "# Results\n\nSee **table 1** and [the study](https://doi.org/10.1111/x).<sup>1</sup>"
        "\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )

    assert "<h3>Results</h3>" in html
    assert "<strong>table 1</strong>" in html
    assert '<a href="https://doi.org/10.1111/x" rel="noopener noreferrer">the study</a>' in html
    assert "<sup>1</sup>" in html
    assert "<table>" in html
