"""The soundscape: synthesis from the scene, mastering to a loudness, the WAV and the captions."""
