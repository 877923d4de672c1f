"""hub-melhorenvio: Melhor Envio (Brazil's freight aggregator) as a carrier of hub: tracking in."""
