"""Media: uploads, stored assets, video transcoding to HLS and signed playback."""
