// Time-multiplexed LIF core (Verilog-2005), bit-exact with sncore/hdl/golden.py.
//
// One time step, started by a `start` pulse (in_spk latched):
//   UPD : one neuron per cycle, i = 0..N-1:
//           a = ring[slot][i]; ring[slot][i] <= 0
//           refractory (r != 0): v kept, r <= r - 1
//           else s = sat(v - (sh ? v >>> sh : 0) + a + bias); fire = s >= thr (STRICT: s > thr)
//                v <= fire ? (SUBTRACT ? sat(s - thr) : vreset) : s;  r <= fire ? tref : r
//         the update is shown on upd_* (upd_valid high for one cycle per neuron)
//   SCAN: sources j = 0..N+M-1 (neurons, then inputs); for a spiking source walk its synapses
//         (CSR rowptr) two cycles each (RD: synchronous block-RAM read, WR: accumulate):
//           ring[(slot + d) mod D][tgt] += w <<< WSHIFT
//   then slot <= (slot + 1) mod D and `done` pulses for one cycle.
// The accumulator is ACC_W bits wide, enough for the worst-case sum (no overflow possible).
// Memories: membranes, refractory counters and the delay ring are register files (async read);
// neuron parameters, row pointers and synapses are ROMs initialised by $readmemh.
`default_nettype none

module lif_core #(
    parameter N = 4, parameter M = 1, parameter IDX_W = 2, parameter SRC_W = 3,
    parameter D = 1, parameter SLOT_W = 1, parameter DLY_W = 1,
    parameter W = 16, parameter WW = 8, parameter WSHIFT = 0, parameter ACC_W = 16, parameter SUM_W = 18,
    parameter R_W = 8, parameter SH_W = 5, parameter NSYN = 1, parameter SYN_AW = 1,
    parameter STRICT = 0, parameter SUBTRACT = 0,
    parameter F_PARAM = "param.hex", parameter F_V0 = "v0.hex",
    parameter F_ROWPTR = "rowptr.hex", parameter F_SYN = "syn.hex"
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                start,
    input  wire [M-1:0]        in_spk,
    output reg                 done,
    output reg                 upd_valid,
    output reg                 upd_spike,
    output reg  [IDX_W-1:0]    upd_idx,
    output reg  signed [W-1:0] upd_v
);
    localparam PW = 3 * W + SH_W + R_W;          // {thr, vreset, bias, shift, tref}
    localparam SYW = IDX_W + DLY_W + WW;         // {tgt, delay, weight}
    localparam S = N + M;
    localparam RA_W = SLOT_W + IDX_W;
    localparam [2:0] S_IDLE = 3'd0, S_UPD = 3'd1, S_SCAN = 3'd2, S_RD = 3'd3, S_WR = 3'd4;
    localparam [IDX_W-1:0] LAST_I = N - 1;
    localparam [SRC_W-1:0] NSRC = S;
    localparam [SLOT_W:0] DEPTH = D;

    reg signed [W-1:0]     vmem [0:N-1];
    reg [R_W-1:0]          rmem [0:N-1];
    reg [PW-1:0]           pmem [0:N-1];
    reg signed [ACC_W-1:0] ring [0:(1 << RA_W) - 1];
    reg [SYN_AW:0]         rowptr [0:S];
    reg [SYW-1:0]          synmem [0:NSYN-1];

    reg [2:0]        state;
    reg [IDX_W-1:0]  i;
    reg [SRC_W-1:0]  j;
    reg [SYN_AW:0]   p, pend;
    reg [SLOT_W-1:0] slot;
    reg [M-1:0]      in_q;
    reg [N-1:0]      spk;
    reg [SYW-1:0]    syn_q;

    integer k;
    initial begin
        $readmemh(F_PARAM, pmem);
        $readmemh(F_V0, vmem);
        $readmemh(F_ROWPTR, rowptr);
        $readmemh(F_SYN, synmem);
        for (k = 0; k < N; k = k + 1) rmem[k] = {R_W{1'b0}};
        for (k = 0; k < (1 << RA_W); k = k + 1) ring[k] = {ACC_W{1'b0}};
    end

    // ---------------------------------------------------------------- neuron update (UPD)
    wire [PW-1:0]          pw   = pmem[i];
    wire signed [W-1:0]    thr  = pw[PW-1 -: W];
    wire signed [W-1:0]    vrst = pw[PW-W-1 -: W];
    wire signed [W-1:0]    bias = pw[PW-2*W-1 -: W];
    wire [SH_W-1:0]        sh   = pw[R_W +: SH_W];
    wire [R_W-1:0]         tref = pw[R_W-1:0];
    wire signed [W-1:0]    v    = vmem[i];
    wire [R_W-1:0]         r    = rmem[i];
    wire signed [W-1:0]    vsh  = v >>> sh;
    // both arms are W bits: no extension, so the unsigned zero cannot change the bits
    wire signed [W-1:0]    leak = (sh != {SH_W{1'b0}}) ? vsh : {W{1'b0}};

    // ring: one read port and one write port, address muxed by state
    wire [IDX_W-1:0]       tgt  = syn_q[SYW-1 -: IDX_W];
    wire [DLY_W-1:0]       dly  = syn_q[WW +: DLY_W];
    wire [SLOT_W+DLY_W:0]  wsum = {{(DLY_W + 1){1'b0}}, slot} + {{(SLOT_W + 1){1'b0}}, dly};
    wire [SLOT_W+DLY_W:0]  dext = {{DLY_W{1'b0}}, DEPTH};
    /* verilator lint_off UNUSEDSIGNAL */  // the wrapped slot fits SLOT_W bits; upper bits are 0
    wire [SLOT_W+DLY_W:0]  wwrap = (wsum >= dext) ? wsum - dext : wsum;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SLOT_W-1:0]      wslot = wwrap[SLOT_W-1:0];
    wire [RA_W-1:0]        ra   = (state == S_WR) ? {wslot, tgt} : {slot, i};
    wire signed [ACC_W-1:0] a   = ring[ra];

    // explicit sign extension to SUM_W (no implicit signed/unsigned mixing)
    wire signed [SUM_W-1:0] vx = {{(SUM_W - W){v[W-1]}}, v};
    wire signed [SUM_W-1:0] lx = {{(SUM_W - W){leak[W-1]}}, leak};
    wire signed [SUM_W-1:0] bx = {{(SUM_W - W){bias[W-1]}}, bias};
    wire signed [SUM_W-1:0] ax = {{(SUM_W - ACC_W){a[ACC_W-1]}}, a};
    wire signed [SUM_W-1:0] raw = vx - lx + ax + bx;
    wire signed [SUM_W-1:0] hix = {{(SUM_W - W + 1){1'b0}}, {(W - 1){1'b1}}};
    wire signed [SUM_W-1:0] lox = {{(SUM_W - W + 1){1'b1}}, {(W - 1){1'b0}}};
    /* verilator lint_off UNUSEDSIGNAL */  // satx lies in the W-bit range: upper bits are sign copies
    wire signed [SUM_W-1:0] satx = (raw > hix) ? hix : ((raw < lox) ? lox : raw);
    /* verilator lint_on UNUSEDSIGNAL */
    wire signed [W-1:0]     s = satx[W-1:0];
    wire                    refr = (r != {R_W{1'b0}});
    wire                    over_thr = (STRICT != 0) ? (s > thr) : (s >= thr);
    wire                    fire = !refr && over_thr;
    // s - thr in W+1 bits, saturated back to W
    wire signed [W:0]       dd = {s[W-1], s} - {thr[W-1], thr};
    wire signed [W-1:0]     dsat = (dd[W] == dd[W-1]) ? dd[W-1:0] : {dd[W], {(W - 1){~dd[W]}}};

    reg signed [W-1:0] v_new;
    reg [R_W-1:0]      r_new;
    always @* begin
        if (refr) begin
            v_new = v;
            r_new = r - {{(R_W - 1){1'b0}}, 1'b1};
        end else if (fire) begin
            v_new = (SUBTRACT != 0) ? dsat : vrst;
            r_new = tref;
        end else begin
            v_new = s;
            r_new = r;
        end
    end

    // synapse accumulate (WR)
    wire signed [WW-1:0]    w = syn_q[WW-1:0];
    wire signed [ACC_W-1:0] wx = {{(ACC_W - WW){w[WW-1]}}, w};
    wire signed [ACC_W-1:0] acc = a + (wx <<< WSHIFT);

    // ---------------------------------------------------------------- scan (SCAN)
    wire [(1 << SRC_W)-1:0] src_vec = {{((1 << SRC_W) - S){1'b0}}, in_q, spk};
    wire             src_on = src_vec[j];
    wire [SYN_AW:0]  p0 = rowptr[j];
    wire [SYN_AW:0]  p1 = rowptr[j + {{(SRC_W - 1){1'b0}}, 1'b1}];
    wire [SYN_AW:0]  p_next = p + {{SYN_AW{1'b0}}, 1'b1};

    // memory writes (one write port each)
    always @(posedge clk) begin
        if (state == S_UPD) begin
            vmem[i] <= v_new;
            rmem[i] <= r_new;
        end
        if (state == S_UPD || state == S_WR)
            ring[ra] <= (state == S_WR) ? acc : {ACC_W{1'b0}};
        if (state == S_RD)
            syn_q <= synmem[p[SYN_AW-1:0]];
    end

    always @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
            slot <= {SLOT_W{1'b0}};
            done <= 1'b0;
            upd_valid <= 1'b0;
            i <= {IDX_W{1'b0}};
            j <= {SRC_W{1'b0}};
        end else begin
            done <= 1'b0;
            upd_valid <= 1'b0;
            case (state)
                S_IDLE: if (start) begin
                    in_q <= in_spk;
                    i <= {IDX_W{1'b0}};
                    state <= S_UPD;
                end
                S_UPD: begin
                    spk[i] <= fire;
                    upd_valid <= 1'b1;
                    upd_idx <= i;
                    upd_v <= v_new;
                    upd_spike <= fire;
                    if (i == LAST_I) begin
                        j <= {SRC_W{1'b0}};
                        state <= S_SCAN;
                    end else begin
                        i <= i + {{(IDX_W - 1){1'b0}}, 1'b1};
                    end
                end
                S_SCAN: begin
                    if (j == NSRC) begin
                        slot <= ({1'b0, slot} + {{SLOT_W{1'b0}}, 1'b1} == DEPTH) ? {SLOT_W{1'b0}}
                                : slot + {{(SLOT_W - 1){1'b0}}, 1'b1};
                        done <= 1'b1;
                        state <= S_IDLE;
                    end else begin
                        if (src_on && p0 != p1) begin
                            p <= p0;
                            pend <= p1;
                            state <= S_RD;
                        end
                        j <= j + {{(SRC_W - 1){1'b0}}, 1'b1};
                    end
                end
                S_RD: state <= S_WR;
                S_WR: begin
                    p <= p_next;
                    state <= (p_next == pend) ? S_SCAN : S_RD;
                end
                default: state <= S_IDLE;
            endcase
        end
    end
endmodule

`default_nettype wire
