"""The carrier kit, run against the Melhor Envio plugin and its sandbox."""

from hub.testing.kit_carriers import CarrierKit


class TestMelhorEnvioCarrierKit(CarrierKit):
    platform = "melhorenvio"
    settings = {"requests_per_second": "20"}  # the kit's few requests need no 1/s pacing
