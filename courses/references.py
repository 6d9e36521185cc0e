"""Turning the link forms found in citations into working links."""

import re
from urllib.parse import urlsplit

DOI_RESOLVER = "https://doi.org/"

# A DOI starts with "10.", a registrant code, a slash and a suffix (ISO 26324).
_DOI = re.compile(r"(10\.\d{4,9}/\S+?)[.,;]?$")
_LINK_IN_CITATION = re.compile(r"\s(https?://\S+|doi:\s*\S+)\s*$", re.IGNORECASE)


def is_web_url(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in {"http", "https"}


def doi_url(doi: str) -> str:
    return DOI_RESOLVER + doi.strip()


def parse_doi(link: str) -> str:
    """The bare DOI in a link such as `http://doi:10.1111/x`, `doi:10.1111/x` or
    `https://doi.org/10.1111/x`; "" if the link holds none."""
    link = link.strip()
    if not re.match(r"^(https?://)?(dx\.)?(doi[:.]|doi\.org/)", link, re.IGNORECASE):
        return ""
    match = _DOI.search(link)
    return match.group(1) if match else ""


def split_citation(text: str) -> tuple[str, str, str]:
    """Split a citation line into (citation, doi, url).

    The seed article writes DOIs as `http://doi:10.1111/...`, which no browser can open;
    those become a bare DOI, linked through https://doi.org/.
    """
    text = text.strip()
    match = _LINK_IN_CITATION.search(text)
    if not match:
        return text, "", ""
    link = match.group(1)
    citation = text[: match.start()].strip()
    doi = parse_doi(link)
    return citation, doi, "" if doi else link
