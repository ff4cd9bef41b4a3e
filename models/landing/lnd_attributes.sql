{{ read_landing('attributes') }}
