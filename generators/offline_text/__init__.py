"""Building blocks of the offline writers: measurement, scene and distortion wording, length
fitting and conclusions (used by generators.offline and generators.expansion_gt)."""
