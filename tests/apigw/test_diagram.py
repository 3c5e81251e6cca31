"""The SVG: well-formed, accessible, escaped, readable in both colour schemes, legible at 300 routes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from labs.apigw.diagram import KIND_LABELS, ROUTES_SHOWN, render_svg
from labs.apigw.model import API_TYPES, Design

from .factories import factory

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("api_type", API_TYPES)
def test_svg_is_accessible(api_type):
    root = parse(render_svg(factory.valid(api_type)))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "call it" in desc.text and "route" in desc.text  # says what the picture shows, in words


def test_endpoint_boxes_follow_the_design():
    edge = factory.valid("rest")
    edge.endpoint_types = ["EDGE"]
    assert "CloudFront edge" in texts(parse(render_svg(edge)))
    private = factory.valid("rest")
    private.endpoint_types = ["PRIVATE"]
    root = parse(render_svg(private))
    assert "VPC endpoint" in texts(root)
    assert "interface VPC endpoint" in root.find(f"{SVG}desc").text
    assert "Regional endpoint" in texts(parse(render_svg(factory.valid("http"))))


def test_groups_have_badges_and_labels_not_only_colour():
    root = parse(render_svg(factory.kitchen_sink_rest()))
    all_text = texts(root)
    for kind in ("lambda_proxy", "lambda", "http_proxy", "http", "aws", "mock", "private"):
        badge, label, _, _ = KIND_LABELS[kind]
        assert any(t.startswith(label) for t in all_text), label
        assert badge in all_text
    dashed = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert dashed  # border patterns differ by kind as well


def test_user_text_is_escaped():
    d = Design.from_dict({"name": "<script>alert('x')</script> & \x07bell", "api_type": "rest",
                          "routes": [{"key": "GET /<b>", "integration": {"kind": "mock"}}]})
    svg = render_svg(d)
    root = parse(svg)  # would fail on raw markup or control characters
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "\x07" not in svg
    assert not list(root.iter(f"{SVG}script"))


def test_light_and_dark_palettes_and_own_background():
    svg = render_svg(factory.valid("rest"), id_prefix="lab-7")
    assert "@media (prefers-color-scheme: dark)" in svg
    assert "#lab-7 .bg" in svg  # styles are scoped to this SVG
    root = parse(svg)
    first_rect = root.find(f"{SVG}rect")
    assert first_rect.get("class") == "bg" and first_rect.get("width") == root.get("width")


def test_300_routes_stay_legible():
    d = factory.many_routes("rest", 300)
    root = parse(render_svg(d))
    route_texts = [t for t in texts(root) if t.startswith(("GET /", "POST /"))]
    assert len(route_texts) <= ROUTES_SHOWN * len(KIND_LABELS)
    assert any(t.startswith("+ ") and "more routes" in t for t in texts(root))
    assert int(root.get("height")) < 1000
    assert "300 routes" in texts(root)


def test_empty_design_renders():
    root = parse(render_svg({}))
    assert "No routes yet" in texts(root)
