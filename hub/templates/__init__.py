"""Templates that ``hub`` renders (``hub plugins new``)."""
