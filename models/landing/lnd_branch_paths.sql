{{ read_landing('branch_paths') }}
