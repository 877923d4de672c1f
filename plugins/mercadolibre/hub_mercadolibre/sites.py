"""Mercado Libre's country sites: site id, authorization host and local currency.

One API host (``api.mercadolibre.com``) serves every site, but a seller
authorizes on their own country's host (as in Mercado Libre's official SDKs).
"""

from __future__ import annotations

from dataclasses import dataclass

API_URL = "https://api.mercadolibre.com"


@dataclass(frozen=True)
class Site:
    """One country site."""

    code: str  # the ``site`` setting: ISO country code
    site_id: str  # Mercado Libre's site id (MLA, MLB...)
    auth_host: str  # where the seller logs in and approves the app
    currency: str  # the site's local currency


SITES: dict[str, Site] = {site.code: site for site in (
    Site("AR", "MLA", "https://auth.mercadolibre.com.ar", "ARS"),
    Site("BR", "MLB", "https://auth.mercadolivre.com.br", "BRL"),
    Site("MX", "MLM", "https://auth.mercadolibre.com.mx", "MXN"),
    Site("CO", "MCO", "https://auth.mercadolibre.com.co", "COP"),
    Site("CL", "MLC", "https://auth.mercadolibre.cl", "CLP"),
    Site("UY", "MLU", "https://auth.mercadolibre.com.uy", "UYU"),
    Site("PE", "MPE", "https://auth.mercadolibre.com.pe", "PEN"),
    Site("EC", "MEC", "https://auth.mercadolibre.com.ec", "USD"),
    Site("VE", "MLV", "https://auth.mercadolibre.com.ve", "VES"),
    Site("CR", "MCR", "https://auth.mercadolibre.com.cr", "CRC"),
    Site("PA", "MPA", "https://auth.mercadolibre.com.pa", "USD"),
    Site("DO", "MRD", "https://auth.mercadolibre.com.do", "DOP"),
)}
