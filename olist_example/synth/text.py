"""Short Portuguese-like review titles and comments built from a small, hand-written word list.

No real review text is used.  Comments are assembled from generic phrases chosen by the review's
sentiment, joined with commas, full stops or an embedded ``\\r\\n`` (as Kaggle's comments have),
until they reach a length drawn from the measured length distribution.
"""

from __future__ import annotations

import random

from . import profile
from .sampling import Quantiles, rate

_TITLES = {
    "pos": ("Recomendo", "Muito bom", "Ótimo", "Excelente", "Super recomendo", "Adorei", "Perfeito",
            "Bom produto", "Nota 10", "10", "5 estrelas", "Chegou rápido", "Satisfeito", "Top"),
    "mid": ("Razoável", "Regular", "Mais ou menos", "Ok", "Bom, mas demorou", "Poderia ser melhor"),
    "neg": ("Péssimo", "Não recomendo", "Produto não entregue", "Decepcionado", "Ruim",
            "Atraso na entrega", "Veio errado", "Não recebi", "0 estrelas"),
}

_PHRASES = {
    "pos": ("produto chegou antes do prazo", "muito bom", "recomendo a loja", "entrega rápida",
            "gostei muito do produto", "excelente qualidade", "tudo certo com a compra",
            "veio bem embalado", "superou minhas expectativas", "ótimo vendedor",
            "comprarei novamente", "produto conforme o anunciado", "chegou tudo certinho",
            "bom custo benefício", "minha filha adorou", "recebi em 3 dias"),
    "mid": ("produto ok", "atendeu parcialmente", "poderia ser melhor", "a entrega demorou um pouco",
            "qualidade razoável", "esperava mais pelo preço", "a cor é diferente da foto",
            "veio sem manual", "o tamanho é menor do que parece"),
    "neg": ("ainda não recebi o produto", "produto veio com defeito", "não recomendo",
            "veio errado", "entrega atrasada", "péssimo atendimento", "quero meu dinheiro de volta",
            "faltou uma peça", "não gostei", "comprei 2 e recebi apenas 1",
            "já passou do prazo e nada", "ninguém responde os contatos"),
}


def sentiment(score: int) -> str:
    """Phrase family for a review score."""
    return "pos" if score >= 4 else ("mid" if score == 3 else "neg")


class CommentWriter:
    """Draws titles and messages with the measured presence rates and shapes."""

    def __init__(self) -> None:
        counts = profile.REVIEW_TEXT_COUNTS_BY_SCORE
        self._title_rate = {s: counts[s][0] / counts[s][2] for s in counts}
        self._message_rate = {s: counts[s][1] / counts[s][2] for s in counts}
        self._newline = rate(profile.MESSAGE_NEWLINE)
        self._comma = rate(profile.MESSAGE_COMMA)
        self._length = Quantiles(profile.PCTS, profile.MESSAGE_LEN)

    def title(self, rng: random.Random, score: int) -> str:
        """A title, or ``""`` (NULL) with the measured probability."""
        if rng.random() >= self._title_rate[score]:
            return ""
        return rng.choice(_TITLES[sentiment(score)])

    def message(self, rng: random.Random, score: int) -> str:
        """A comment, or ``""`` (NULL) with the measured probability."""
        if rng.random() >= self._message_rate[score]:
            return ""
        phrases = _PHRASES[sentiment(score)]
        target = self._length.at(rng.random())
        use_newline = rng.random() < self._newline
        use_comma = rng.random() < self._comma
        order = rng.sample(phrases, len(phrases))  # distinct phrases, in random order
        text = _capital(order[0])
        for joins, nxt in enumerate(order[1:7]):
            needs_more = len(text) < target or (use_newline and "\r\n" not in text) or (use_comma and "," not in text)
            if not needs_more:
                break
            if use_newline and "\r\n" not in text:
                text += "\r\n" + _capital(nxt)
            elif use_comma and (joins == 0 or "," not in text):
                text += ", " + nxt
            else:
                text += ". " + _capital(nxt)
        if len(text) > target and not use_newline and not use_comma and "." not in text:
            text = text[: max(1, int(target))].rstrip()  # short comments such as "Bom" or "Ok"
        return text


def _capital(phrase: str) -> str:
    return phrase[0].upper() + phrase[1:]
