#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.
"""Purity's list query language: filter expressions, sort keys, paging.

The numbers in comments (P-n) are the facts in doc/protocol.rst.
"""

import base64
import json
import re


class QueryError(Exception):
    """A query parameter Purity refuses (400); ``context`` names it."""

    def __init__(self, message, context):
        super().__init__(message)
        self.message = message
        self.context = context


class FilterError(QueryError):
    def __init__(self, message, context='filter'):
        super().__init__(message, context)


# -- filter (P-12) -----------------------------------------------------------

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<paren>[()])
    | (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
    | (?P<word>[A-Za-z_][\w.]*)
    )""", re.VERBOSE)
_MISSING = object()


def _tokens(expression):
    position, tokens = 0, []
    expression = expression.rstrip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match or match.end() == position:
            raise FilterError('Invalid filter: unexpected %r at %d.' % (
                expression[position:].strip()[:10], position))
        kind = match.lastgroup
        value = match.group(kind)
        if kind == 'str':
            value = re.sub(r'\\(.)', r'\1', value[1:-1])
        elif kind == 'num':
            value = float(value) if '.' in value else int(value)
        elif kind == 'word' and value.lower() in ('and', 'or', 'not'):
            kind, value = value.lower(), value.lower()
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over or > and > not > comparison."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0

    def peek(self):
        if self.index < len(self.tokens):
            return self.tokens[self.index]
        return (None, None)

    def take(self, kind=None):
        token = self.peek()
        if token[0] is None or (kind and token[0] != kind):
            raise FilterError('Invalid filter: expected %s.' % (
                kind or 'a term'))
        self.index += 1
        return token

    def parse(self):
        node = self.parse_or()
        if self.peek()[0] is not None:
            raise FilterError('Invalid filter: unexpected %r.' % (
                self.peek()[1],))
        return node

    def parse_or(self):
        parts = [self.parse_and()]
        while self.peek()[0] == 'or':
            self.take()
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda obj: any(p(obj) for p in parts)

    def parse_and(self):
        parts = [self.parse_not()]
        while self.peek()[0] == 'and':
            self.take()
            parts.append(self.parse_not())
        if len(parts) == 1:
            return parts[0]
        return lambda obj: all(p(obj) for p in parts)

    def parse_not(self):
        if self.peek()[0] == 'not':
            self.take()
            inner = self.parse_not()
            return lambda obj: not inner(obj)
        return self.parse_primary()

    def parse_primary(self):
        kind, value = self.peek()
        if kind == 'paren' and value == '(':
            self.take()
            node = self.parse_or()
            if self.peek() != ('paren', ')'):
                raise FilterError('Invalid filter: unbalanced parentheses.')
            self.take()
            return node
        _kind, path = self.take('word')
        if self.peek()[0] != 'op':
            # A bare field is true when set and truthy (``is_local``).
            return lambda obj: any(bool(v) for v in _values(obj, path))
        _kind, operator = self.take('op')
        kind, literal = self.take()
        if kind == 'word' and literal.lower() in ('true', 'false'):
            literal = literal.lower() == 'true'
        elif kind == 'word' and literal.lower() == 'null':
            literal = None
        elif kind not in ('str', 'num'):
            raise FilterError('Invalid filter: %s needs a value.' % path)
        return _comparison(path, operator, literal)


def _field(obj, path):
    for part in path.split('.'):
        if obj is None:
            # Through a null reference (no volume_group): no value.
            return None
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def _values(obj, path):
    # Every value at ``path``; a list on the way is searched item by item
    # (``iqns``, ``arrays.name``).
    current = [obj]
    for part in path.split('.'):
        found = []
        for item in current:
            if item is None:
                found.append(None)
            elif isinstance(item, dict) and part in item:
                value = item[part]
                found.extend(value if isinstance(value, list) else [value])
            else:
                raise FilterError('Invalid filter: no field %s.' % path)
        current = found
    return current


def _compare(value, operator, literal):
    if literal is None or value is None:
        equal = value is None and literal is None
        return {'=': equal, '!=': not equal}.get(operator, False)
    if isinstance(literal, bool) or isinstance(value, bool):
        equal = bool(value) == literal if isinstance(
            literal, bool) else str(value).lower() == str(literal).lower()
        return {'=': equal, '!=': not equal}.get(operator, False)
    if isinstance(literal, str):
        if not isinstance(value, str):
            value = str(value)
        if operator in ('=', '!='):
            # Names are case-insensitive; * matches any run (P-12).
            pattern = '.*'.join(re.escape(part)
                                for part in literal.lower().split('*'))
            equal = re.fullmatch(pattern, value.lower(), re.S) is not None
            return equal if operator == '=' else not equal
        left, right = value.lower(), literal.lower()
    else:
        if not isinstance(value, (int, float)):
            return False
        left, right = value, literal
    return {'=': left == right, '!=': left != right, '<': left < right,
            '>': left > right, '<=': left <= right,
            '>=': left >= right}[operator]


def _comparison(path, operator, literal):
    def match(obj):
        values = _values(obj, path)
        if operator == '!=':
            return all(_compare(v, operator, literal) for v in values)
        return any(_compare(v, operator, literal) for v in values)
    return match


def compile_filter(expression):
    """A predicate for Purity's ``filter`` query parameter (P-12)."""
    tokens = _tokens(expression or '')
    if not tokens:
        return lambda obj: True
    return _Parser(tokens).parse()


# -- sort (P-13) --------------------------------------------------------------

def sort_items(items, sort):
    """Stable multi-key sort; ``field-`` sorts descending."""
    keys = [k.strip() for k in sort.split(',')]
    if not all(keys):
        raise QueryError('Invalid sort.', 'sort')
    for key in reversed(keys):
        descending = key.endswith('-')
        path = key[:-1] if descending else key
        if not re.match(r'^[A-Za-z_][\w.]*$', path):
            raise QueryError('Invalid sort field.', 'sort')
        for item in items:
            if _field(item, path) is _MISSING:
                raise QueryError('Invalid sort field: %s.' % path, 'sort')

        def sort_key(item, path=path):
            value = _field(item, path)
            if value is None:
                return (1, 0, '')
            if isinstance(value, (int, float)):
                return (0, value, '')
            return (0, 0, str(value).lower())
        # None sorts last ascending (first descending).
        items.sort(key=sort_key, reverse=descending)
    return items


# -- paging (P-14) ------------------------------------------------------------

def encode_token(offset):
    raw = json.dumps({'offset': offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(token):
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))[
            'offset']
    except (ValueError, KeyError, TypeError):
        raise QueryError('Invalid continuation token.', 'continuation_token')
    if not isinstance(offset, int) or offset < 0:
        raise QueryError('Invalid continuation token.', 'continuation_token')
    return offset
