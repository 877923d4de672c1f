"""What the Correios plugin tells the core: a carrier, its settings and what it tracks."""

from __future__ import annotations

from hub import Capability, CarrierInfo, PlatformInfo, SettingSpec
from hub_correios.codes import FORMAT

NAME = "correios"
BASE_URL = "https://api.correios.com.br"
BATCH = 50
"""Object codes per SRO Rastro request (the API takes up to 50)."""

SETTINGS = [
    SettingSpec(name="usuario", required=True,
                description="The Meu Correios user (CPF/CNPJ or login) of the contract."),
    SettingSpec(name="codigo_acesso", required=True, secret=True,
                description="The API access code generated in CWS (Correios Web Services) for "
                            "that user; sent only to get tokens."),
    SettingSpec(name="cartao_postagem", required=True,
                description="The contract's postage card number (cartão de postagem): tokens "
                            "are issued for it."),
    SettingSpec(name="base_url", kind="url", default=BASE_URL,
                description="The Correios API (CWS) address; tests and the demo point it at "
                            "the sandbox."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name="Correios",
    capabilities=[Capability.CARRIER],
    settings=SETTINGS,
    carrier=CarrierInfo(
        names=["Correios", "SEDEX", "PAC", "Correios SEDEX", "Correios PAC", "Mini Envios"],
        tracking_formats=[FORMAT],
        tracking_url="https://rastreamento.correios.com.br/app/index.php?objeto={code}",
        batch_size=BATCH),
)
