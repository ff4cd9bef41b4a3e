{{ read_landing('segment_memberships') }}
