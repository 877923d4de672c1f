"""hub-correios: the Correios (Brazil's post) as a carrier of hub: tracking in from SRO Rastro."""
