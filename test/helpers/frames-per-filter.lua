-- tshark Lua script: one tap per display filter, so that a single pass over a capture gives the
-- frames each filter matches (what `tshark -Y FILTER -T fields -e frame.number` gives, once per
-- filter). Argument (-X lua_script1:PATH): a file with one filter per line. Prints "match<TAB>INDEX<TAB>FRAME"
-- for every match (INDEX counts lines from 1), or "ERROR<TAB>INDEX<TAB>MESSAGE" for a filter
-- tshark does not accept.
local path = ...
local index = 0
for line in io.lines(path) do
  index = index + 1
  local k = index
  local ok, tap = pcall(Listener.new, "frame", line)
  if ok then
    function tap.packet(pinfo) io.write("match\t", k, "\t", pinfo.number, "\n") end
  else
    io.write("ERROR\t", k, "\t", tostring(tap):gsub("\n", " "), "\n")
  end
end
