{{ read_landing('campaigns') }}
