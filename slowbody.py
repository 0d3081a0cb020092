from slow import trickle
