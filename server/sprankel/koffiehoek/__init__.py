"""The Koffiehoek: a team's drop-in space for the chat that used to happen at the coffee machine."""
