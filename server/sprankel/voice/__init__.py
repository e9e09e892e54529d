"""Voice tables: who sits at which table (in memory only), WebRTC signalling relayed
between the seats of one table across every process (through the broker), and the ICE
servers a seat is handed. The audio itself never passes through Sprankel."""
