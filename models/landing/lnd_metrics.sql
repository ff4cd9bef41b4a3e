{{ read_landing('metrics') }}
