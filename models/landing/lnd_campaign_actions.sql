{{ read_landing('campaign_actions') }}
