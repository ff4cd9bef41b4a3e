{{ read_landing('events') }}
