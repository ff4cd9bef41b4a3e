{{ read_landing('goal_versions') }}
