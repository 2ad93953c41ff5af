from collections import defaultdict

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .revshare_settlement_engine import ROW_KEY_FIELDS
from .revshare_settlement_link import SETTLEMENT_LINK_TABLE


class RevshareLineFastWrite(models.AbstractModel):
    """The ledger's SQL fast paths: one ``UPDATE`` for a batch write of thousands
    of rows, one ``INSERT`` into the link table to put them in settlements,
    through the same guard as ``write`` (ARCHITECTURE.md, "Data flow"). Every
    raw write of the ledger and of its settlement link goes through them."""

    _name = "revshare.line.fast.write"
    _description = "Revenue Share Ledger Fast Write"

    def _revshare_write_fast(self, vals):
        """Write ``vals`` on these rows with one ``UPDATE``: the fast path of the
        batch writes (links to documents and settlements, the settled state)
        that a run makes on thousands of rows, where :meth:`write` would run once
        per distinct value. The only raw ``UPDATE`` of the ledger.

        ``vals`` maps stored column fields to one value for every row, or to a
        list of values, one per row of ``self`` in order. The rows cross the
        same guard as :meth:`write` (:meth:`_revshare_check_write`, once per
        distinct set of values, on their current values read in one query);
        then the ORM is told, as :meth:`write` tells it: the written fields are
        invalidated (their one2many inverses too) and :meth:`modified` marks
        what depends on them, other addons' stored computes included."""
        if not self or not vals:
            return
        count = len(self)
        columns = {
            fname: list(value) if isinstance(value, list | tuple) else [value] * count
            for fname, value in vals.items()
        }
        fields_ = [self._fields[fname] for fname in columns]
        if any(not (field.store and field.column_type) for field in fields_):
            raise ValueError(f"Not stored columns of {self._name}: {list(vals)}")
        if any(len(values) != count for values in columns.values()):
            raise ValueError("One value per row expected")
        relational = [field.name for field in fields_ if field.relational]
        # Pending writes of these rows first: a later flush would overwrite the
        # UPDATE with them.
        self.flush_model()
        # In one query, what the guard reads and the links modified() follows
        # from the written fields (it would read them by a thousand rows at a
        # time); only those: filling the cache costs per row and field.
        self._revshare_fetch(
            {
                *self._revshare_check_write_reads(vals),
                *relational,
                *self._revshare_trigger_links(fields_),
            }
        )
        by_vals = defaultdict(list)
        for index, row_id in enumerate(self._ids):
            key = tuple(values[index] for values in columns.values())
            by_vals[key].append(row_id)
        for key, row_ids in by_vals.items():
            self.browse(row_ids)._revshare_check_write(
                dict(zip(columns, key, strict=True))
            )
        # The records depending on the old values of relational fields, as
        # write() does before it changes them.
        self.modified(relational, before=True)
        self._revshare_update(fields_, columns)
        self.invalidate_recordset([*columns, "write_uid", "write_date"])
        for fname in relational:
            self._revshare_invalidate_inverses(self._fields[fname])
        # The cache gets the values just written, as write() puts them there:
        # modified() would read them back a thousand rows at a time.
        for field in fields_:
            self.env.cache.update(
                self,
                field,
                [field.convert_to_cache(v, self, False) for v in columns[field.name]],
            )
        self.modified(list(columns))

    def _revshare_update(self, fields_, columns):
        """The ``UPDATE`` of :meth:`_revshare_write_fast`: ``columns`` maps the
        names of ``fields_`` to one value per row of ``self``, in order."""
        count = len(self)
        # Rows in id order, the table's: the UPDATE reads and rewrites their
        # pages in one pass (a settlement's rows are scattered over the table;
        # about a tenth less time in most measured pairs of a 100,000-row run)
        # and locks them in the order any other writer of this path does.
        order = sorted(range(count), key=self._ids.__getitem__)
        self.env.cr.execute(
            SQL(
                "UPDATE %(table)s AS line SET %(sets)s, write_uid = %(uid)s, "
                "write_date = %(now)s FROM unnest(%(ids)s::int[], %(arrays)s) "
                "AS new(id, %(names)s) WHERE line.id = new.id",
                table=SQL.identifier(self._table),
                sets=SQL(", ").join(
                    SQL("%s = new.%s", SQL.identifier(f.name), SQL.identifier(f.name))
                    for f in fields_
                ),
                uid=self.env.uid,
                now=fields.Datetime.now(),
                ids=[self._ids[index] for index in order],
                arrays=SQL(", ").join(
                    SQL(
                        "%s::%s[]",
                        [
                            f.convert_to_column(columns[f.name][index], self)
                            for index in order
                        ],
                        SQL(f.column_type[1]),
                    )
                    for f in fields_
                ),
                names=SQL(", ").join(SQL.identifier(f.name) for f in fields_),
            )
        )

    def _revshare_join_settlements(self, settlement_ids):
        """Put these rows in settlements (``settlement_ids``: one id per row of
        ``self``, in order) with one ``INSERT`` into the link table: the
        settlement run's fast path, where :meth:`write` would run once per
        settlement and Odoo insert the pairs one by one. The rows cross the
        guard of :meth:`write` (a ``Command.link`` per settlement, on what it
        reads of them read with the lock, in one query), then the ORM is told.

        The rows are locked as an ``UPDATE`` would lock them: a row another
        transaction changed since this one began fails the lock with the
        serialization failure that Odoo retries; so does a row that a run this
        transaction cannot see put in a settlement (``ON CONFLICT`` in
        repeatable read)."""
        if not self:
            return
        cr = self.env.cr
        self.flush_model()
        ids = list(self._ids)
        # In one query: the lock, and what the guard reads (the state, the
        # link, the fields a settlement holds one value of).
        read = [self._fields[fname] for fname in ("state", *ROW_KEY_FIELDS)]
        cr.execute(
            SQL(
                "SELECT line.id, link.settlement_id, %s FROM %s AS line "
                "LEFT JOIN %s AS link ON link.line_id = line.id "
                "WHERE line.id = ANY(%s) ORDER BY line.id FOR NO KEY UPDATE OF line",
                SQL(", ").join(SQL("line.%s", SQL.identifier(f.name)) for f in read),
                SQL.identifier(self._table),
                SQL.identifier(SETTLEMENT_LINK_TABLE),
                ids,
            )
        )
        current = {row[0]: row[1:] for row in cr.fetchall()}
        link_field = self._fields["settlement_ids"]
        self.env.cache.update(
            self, link_field, [(current[i][0],) if current[i][0] else () for i in ids]
        )
        for column, field in enumerate(read, 1):
            self.env.cache.update(self, field, [current[i][column] for i in ids])
        by_settlement = defaultdict(list)
        for row_id, settlement_id in zip(ids, settlement_ids, strict=True):
            by_settlement[settlement_id].append(row_id)
        for settlement_id, row_ids in by_settlement.items():
            self.browse(row_ids)._revshare_check_write(
                {"settlement_ids": [Command.link(settlement_id)]}
            )
        cr.execute(
            SQL(
                "INSERT INTO %s (line_id, settlement_id) "
                "SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING",
                SQL.identifier(SETTLEMENT_LINK_TABLE),
                ids,
                list(settlement_ids),
            )
        )
        # Under read committed (not Odoo's isolation), a conflict with a link
        # committed meanwhile is skipped instead of failing: refuse it still.
        if cr.rowcount != len(ids):
            raise UserError(
                self.env._(
                    "Some revenue-share rows were settled by another run "
                    "meanwhile: run the settlement again."
                )
            )
        self.env.cache.update(
            self, link_field, [(settlement_id,) for settlement_id in settlement_ids]
        )
        settlements = self.env["revshare.settlement"].browse(by_settlement)
        settlements.invalidate_recordset(["line_ids"])
        self.modified(["settlement_ids"])
        settlements.modified(["line_ids"])

    def _revshare_fetch(self, fnames):
        """Read the stored columns ``fnames`` of these rows into the cache in one
        query, as :meth:`fetch` would, but with their ids as one array parameter
        (:meth:`fetch` sends one parameter per id, which PostgreSQL parses:
        100,000 in a settlement run). Fields already in cache for every row are
        not read. No record rule applies: the guard judges every row it is
        given, whoever writes."""
        cache = self.env.cache
        fields_ = [
            field
            for field in map(self._fields.__getitem__, fnames)
            if any(cache.get_missing_ids(self, field))
        ]
        if not self or not fields_:
            return
        if any(
            not field.column_type or field.translate or field.company_dependent
            for field in fields_
        ):
            raise ValueError(f"Not plain columns of {self._name}: {list(fnames)}")
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s)",
                SQL(", ").join(SQL.identifier(field.name) for field in fields_),
                SQL.identifier(self._table),
                list(self._ids),
            )
        )
        rows = self.env.cr.fetchall()
        records = self.browse(row[0] for row in rows)
        for column, field in enumerate(fields_, 1):
            cache.update(
                records,
                field,
                [field.convert_to_cache(row[column], records, False) for row in rows],
            )

    def _revshare_trigger_links(self, fields_):
        """Names of the ledger's fields that :meth:`modified` reads on the rows
        to reach what depends on ``fields_`` (a row's settlement, for the
        settlement's totals): the inverses of the first links of their trigger
        trees, other addons' dependencies included. The trees are pruned as
        :meth:`modified` prunes them: only stored computes and fields in cache
        (an agreement's totals are neither)."""
        cache = self.env.cache
        tree = self.pool.get_trigger_tree(
            fields_,
            select=lambda field: (field.compute and field.store)
            or cache.contains_field(field),
        )
        return {
            inverse.name
            for link in tree
            for inverse in self.pool.field_inverses[link]
            if inverse.model_name == self._name and inverse.store
        }

    def _revshare_invalidate_inverses(self, field):
        """Forget the one2many fields whose inverse is the many2one ``field`` of
        the ledger (a settlement's rows, a document's): :meth:`write` updates
        them in cache, an ``UPDATE`` cannot."""
        comodel = self.env[field.comodel_name]
        inverses = [
            name
            for name, other in comodel._fields.items()
            if other.type == "one2many"
            and other.comodel_name == self._name
            and other.inverse_name == field.name
        ]
        if inverses:
            comodel.invalidate_model(inverses)
