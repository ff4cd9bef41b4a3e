{{ read_landing('outputs') }}
