{{ read_landing('subjects') }}
