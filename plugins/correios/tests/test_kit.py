"""The carrier kit, run against the Correios plugin and its sandbox."""

from hub.testing.kit_carriers import CarrierKit


class TestCorreiosCarrierKit(CarrierKit):
    platform = "correios"
