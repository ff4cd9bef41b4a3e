{{ read_landing('people') }}
