from collections import defaultdict

from odoo import fields, models
from odoo.tools import SQL


class RevshareLineFastWrite(models.AbstractModel):
    """The ledger's SQL fast path: one ``UPDATE`` for a batch write of thousands
    of rows, through the same guard as ``write`` (ARCHITECTURE.md, "Data
    flow"). Every raw write of the ledger goes through it."""

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
        # (it would read them by a thousand rows at a time).
        self.fetch({"state", "move_id", *relational, *self._revshare_inverse_links()})
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
                ids=list(self._ids),
                arrays=SQL(", ").join(
                    SQL(
                        "%s::%s[]",
                        [f.convert_to_column(v, self) for v in columns[f.name]],
                        SQL(f.column_type[1]),
                    )
                    for f in fields_
                ),
                names=SQL(", ").join(SQL.identifier(f.name) for f in fields_),
            )
        )
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

    def _revshare_inverse_links(self):
        """Names of the ledger's many2one fields that a one2many of their
        comodel mirrors (a row's agreement, settlement, document...): the paths
        :meth:`modified` walks to what depends on the rows."""
        return [
            name
            for name, field in self._fields.items()
            if field.type == "many2one"
            and field.store
            and any(
                other.type == "one2many"
                and other.comodel_name == self._name
                and other.inverse_name == name
                for other in self.env[field.comodel_name]._fields.values()
            )
        ]

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
