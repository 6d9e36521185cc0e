import pytest

from courses.references import parse_doi, split_citation
from tests.factories import ReferenceFactory


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Kabashima K, et al. Br J Dermatol. 2021;186(4):642-651. http://doi:10.1111/bjd.20873",
            ("Kabashima K, et al. Br J Dermatol. 2021;186(4):642-651.", "10.1111/bjd.20873", ""),
        ),
        (
            "Katsuta M. Acta Derm Venereol. 2024;104. http://doi:10.2340/actadv.v104.40634",
            ("Katsuta M. Acta Derm Venereol. 2024;104.", "10.2340/actadv.v104.40634", ""),
        ),
        ("A. Paper. doi:10.1000/xyz123", ("A. Paper.", "10.1000/xyz123", "")),
        ("A. Paper. https://doi.org/10.1000/xyz123", ("A. Paper.", "10.1000/xyz123", "")),
        ("A. Paper. https://dx.doi.org/10.1000/xyz123.", ("A. Paper.", "10.1000/xyz123", "")),
        (
            "A. Guideline. https://www.example.org/guide",
            ("A. Guideline.", "", "https://www.example.org/guide"),
        ),
        ("A citation with no link.", ("A citation with no link.", "", "")),
    ],
)
def test_citation_lines_are_split_into_text_and_a_working_link(line, expected):
    assert split_citation(line) == expected


def test_a_link_that_only_looks_like_a_doi_yields_no_doi():
    assert parse_doi("http://doi:not-a-doi") == ""


@pytest.mark.django_db
def test_a_reference_with_a_doi_links_through_the_doi_resolver():
    reference = ReferenceFactory(doi="10.1111/1346-8138.17877", url="")

    assert reference.href == "https://doi.org/10.1111/1346-8138.17877"


@pytest.mark.django_db
def test_a_reference_without_a_doi_links_to_its_url():
    reference = ReferenceFactory(doi="", url="https://www.example.org/guide")

    assert reference.href == "https://www.example.org/guide"
