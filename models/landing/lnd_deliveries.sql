{{ read_landing('deliveries') }}
