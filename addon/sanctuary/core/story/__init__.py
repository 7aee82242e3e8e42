"""The story: beats and the film clock, shots, the tending acts and the heart's response, gathered leaves and water."""
