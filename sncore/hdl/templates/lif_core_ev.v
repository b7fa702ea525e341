// Event-driven, pipelined LIF core (Verilog-2005), bit-exact with sncore/hdl/golden.py.
//
// All memories are synchronous-read (one read and one write port, or one shared port), so yosys
// maps them to iCE40 block RAM (SB_RAM40_4K) and, with `synth_ice40 -spram`, the synapse table
// to SPRAM (SB_SPRAM256KA, 16k x 16 each):
//   vr    [N]     {v[W], r[R_W]}        membrane and refractory counter   (EBR, $readmemh F_V0)
//   pmem  [N]     {thr, vreset, bias, shift, tref}                        (EBR ROM, F_PARAM)
//   ring  [D, N]  ACC_W-bit delay ring, address {slot, neuron}            (EBR, zero at start)
//   fifo  [N]     indices of the neurons that fired this step             (EBR)
//   rowm  [N+M]   {start, end, delay} of each source's synapse row        (EBR ROM, F_ROW,
//                 padded to 2^SRC_W rows)
//   synm  [NSYN]  {tgt, (delay if ROW_DELAY == 0), weight}                (SPRAM / EBR, single
//                 port, no initial contents: written through ld_* before the first step)
//
// One time step, started by a `start` pulse (in_spk latched):
//   UPD  (N cycles + 3): stage U0 issues the reads of neuron i (vr, pmem, ring[slot][i]); stage
//        U1 forms the sum and clears ring[slot][i], U2 saturates, U3 decides,
//          refractory (r != 0): v kept, r <= r - 1
//          else s = sat(v - (sh ? v >>> sh : 0) + a + bias); fire = s >= thr (STRICT: s > thr)
//               v <= fire ? (SUBTRACT ? sat(s - thr) : vreset) : s;  r <= fire ? tref : r
//        writes vr, pushes i into the spike FIFO when it fires and shows
//        the update on upd_* (upd_valid high for one cycle per neuron).
//   GAP  (1 cycle): the FIFO's first word becomes readable.
//   EVENTS: active inputs first (lowest channel first), then the FIFO. Per source:
//        SEL (1 cycle: pick the source, read its row) + ROW (1 cycle: first synapse read) +
//        WALK (len - 1 cycles), i.e. one synapse per cycle. Each synapse runs through
//          E0 read synm[p] -> E1 read ring[(slot + d) mod D][tgt] -> E2 ring <= ring + (w <<< WSHIFT)
//        E2 forwards its previous result when the previous cycle wrote the same ring address
//        (the block RAM returns the old word in that case: read-first).
//   SEL finds nothing: DRAIN (1 cycle, the last E2), slot <= (slot + 1) mod D, `done` pulses and
//        `cycles` holds the number of cycles of this step:
//          cycles = N + 6 + sum over spiking sources j of (max(len_j, 1) + 1)
//        With EVENT = 0 (dense, for comparison) SEL takes every source in order and the
//        synapses of silent ones pass as bubbles: cycles = N + 6 + sum over all j of (...).
// The accumulator is ACC_W bits wide, enough for the worst-case sum (no overflow possible).
`default_nettype none

module lif_core_ev #(
    parameter N = 4, parameter M = 1, parameter IDX_W = 2, parameter SRC_W = 3,
    parameter D = 1, parameter SLOT_W = 1, parameter DLY_W = 1,
    parameter W = 16, parameter WW = 8, parameter WSHIFT = 0, parameter ACC_W = 16, parameter SUM_W = 18,
    parameter R_W = 8, parameter SH_W = 5, parameter NSYN = 1, parameter SYN_AW = 1, parameter ROW_DELAY = 0,
    parameter STRICT = 0, parameter SUBTRACT = 0, parameter EVENT = 1,
    parameter SYW = IDX_W + WW + (ROW_DELAY != 0 ? 0 : DLY_W),
    parameter F_PARAM = "param.hex", parameter F_V0 = "v0.hex", parameter F_ROW = "row.hex"
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                start,
    input  wire [M-1:0]        in_spk,
    input  wire                ld_en,        // synapse table load port (only while idle)
    input  wire [SYN_AW-1:0]   ld_addr,
    input  wire [SYW-1:0]      ld_data,
    output reg                 done,
    output reg                 upd_valid,
    output reg                 upd_spike,
    output reg  [IDX_W-1:0]    upd_idx,
    output reg  signed [W-1:0] upd_v,
    output reg  [31:0]         cycles
);
    localparam PW = 3 * W + SH_W + R_W;          // {thr, vreset, bias, shift, tref}
    localparam VW = W + R_W;                     // {v, r}
    localparam PTR_W = SYN_AW + 1;
    localparam RWD = 2 * PTR_W + DLY_W;          // {start, end, delay}
    localparam RA_W = SLOT_W + IDX_W;
    localparam [3:0] S_IDLE = 4'd0, S_UPD = 4'd1, S_UPDL = 4'd2, S_UPDL2 = 4'd3, S_UPDL3 = 4'd4, S_GAP = 4'd5,
                     S_SEL = 4'd6, S_ROW = 4'd7, S_WALK = 4'd8, S_DRAIN = 4'd9;
    localparam [IDX_W:0]   NN = N;
    localparam [IDX_W-1:0] LAST_I = NN[IDX_W-1:0] - 1'b1;
    localparam [SRC_W-1:0] NSRC0 = N;
    localparam [SRC_W-1:0] NSRC = N + M;
    localparam [SLOT_W:0] DEPTH = D;

    reg [VW-1:0]           vr   [0:N-1];
    reg [PW-1:0]           pmem [0:N-1];
    reg signed [ACC_W-1:0] ring [0:(1 << RA_W) - 1];
    reg [IDX_W-1:0]        fifo [0:N-1];
    reg [RWD-1:0]          rowm [0:(1 << SRC_W) - 1];   // padded with empty rows
    reg [SYW-1:0]          synm [0:NSYN-1];

    integer k;
    initial begin
        $readmemh(F_PARAM, pmem);
        $readmemh(F_V0, vr);
        $readmemh(F_ROW, rowm);
        for (k = 0; k < (1 << RA_W); k = k + 1) ring[k] = {ACC_W{1'b0}};
    end

    reg [3:0]        state;
    reg [IDX_W-1:0]  i, i1, i2, i3;
    reg              u1_v, u2_v, u3_v;
    reg [SLOT_W-1:0] slot;
    reg [M-1:0]      in_pend;
    reg [IDX_W:0]    wcnt, rd;
    reg [PTR_W-1:0]  p, pend;
    reg [DLY_W-1:0]  dly_r;
    reg [31:0]       cnt;

    // synchronous read data
    reg [VW-1:0]           vr_q;
    reg [PW-1:0]           p_q;
    reg signed [ACC_W-1:0] ring_q;
    reg [IDX_W-1:0]        fifo_q;
    reg [RWD-1:0]          row_q;
    reg [SYW-1:0]          syn_q;

    // ---------------------------------------------------------------- neuron update
    // U1: the sum (registered into the U2 stage)
    wire signed [W-1:0]    bias = p_q[PW-2*W-1 -: W];
    wire [SH_W-1:0]        sh   = p_q[R_W +: SH_W];
    wire signed [W-1:0]    v1   = vr_q[VW-1 -: W];
    wire signed [W-1:0]    vsh  = v1 >>> sh;
    // both arms are W bits: no extension, so the unsigned zero cannot change the bits
    wire signed [W-1:0]    leak = (sh != {SH_W{1'b0}}) ? vsh : {W{1'b0}};

    // explicit sign extension to SUM_W (no implicit signed/unsigned mixing)
    wire signed [SUM_W-1:0] vx = {{(SUM_W - W){v1[W-1]}}, v1};
    wire signed [SUM_W-1:0] lx = {{(SUM_W - W){leak[W-1]}}, leak};
    wire signed [SUM_W-1:0] bx = {{(SUM_W - W){bias[W-1]}}, bias};
    wire signed [SUM_W-1:0] ax = {{(SUM_W - ACC_W){ring_q[ACC_W-1]}}, ring_q};
    wire signed [SUM_W-1:0] raw1 = vx - lx + ax + bx;
    // U2: saturate (operands registered)
    reg signed [SUM_W-1:0] raw;
    reg signed [W-1:0]     v2, thr2, vrst2;
    reg [R_W-1:0]          r2, tref2;
    wire signed [SUM_W-1:0] hix = {{(SUM_W - W + 1){1'b0}}, {(W - 1){1'b1}}};
    wire signed [SUM_W-1:0] lox = {{(SUM_W - W + 1){1'b1}}, {(W - 1){1'b0}}};
    /* verilator lint_off UNUSEDSIGNAL */  // satx lies in the W-bit range: upper bits are sign copies
    wire signed [SUM_W-1:0] satx = (raw > hix) ? hix : ((raw < lox) ? lox : raw);
    /* verilator lint_on UNUSEDSIGNAL */
    // U3: threshold, reset, refractory counter (operands registered)
    reg signed [W-1:0]     s, v, thr, vrst;
    reg [R_W-1:0]          r, tref;
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

    // ---------------------------------------------------------------- source selection (SEL)
    wire             in_any  = (in_pend != {M{1'b0}});
    wire [M-1:0]     in_low  = in_pend & (~in_pend + {{(M - 1){1'b0}}, 1'b1});   // lowest set bit
    reg [SRC_W-1:0] in_idx;              // its index: an OR tree over the one-hot in_low
    integer b;
    always @* begin
        in_idx = {SRC_W{1'b0}};
        for (b = 0; b < M; b = b + 1)
            if (in_low[b]) in_idx = in_idx | b[SRC_W-1:0];
    end
    // registered one cycle after in_pend changes (SEL never follows SEL, so always current there)
    reg              in_any_q;
    reg [M-1:0]      in_low_q;
    reg [SRC_W-1:0]  in_src_q;
    always @(posedge clk) begin
        in_any_q <= in_any;
        in_low_q <= in_low;
        in_src_q <= NSRC0 + in_idx;
    end
    wire             fifo_any = (rd != wcnt);
    wire [SRC_W-1:0] fifo_src = {{(SRC_W - IDX_W){1'b0}}, fifo_q};
    // EVENT = 0 (dense, for comparison): every source's row is walked in order; synapses of
    // sources that did not spike are issued as bubbles (no ring write), same cycles as a spike
    reg [SRC_W-1:0]  j;
    reg              src_on;
    reg [N-1:0]      spk;
    wire [(1 << SRC_W)-1:0] src_vec = {{((1 << SRC_W) - N - M){1'b0}}, in_pend, spk};
    wire [SRC_W-1:0] src_sel = (EVENT == 0) ? j : (in_any_q ? in_src_q : fifo_src);

    // row descriptor (S_ROW)
    wire [PTR_W-1:0] row_start = row_q[RWD-1 -: PTR_W];
    wire [PTR_W-1:0] row_end   = row_q[DLY_W +: PTR_W];
    wire [DLY_W-1:0] row_dly   = row_q[DLY_W-1:0];
    wire [PTR_W-1:0] p_one     = {{SYN_AW{1'b0}}, 1'b1};
    wire             row_empty = (row_start == row_end);

    // ---------------------------------------------------------------- synapse pipeline
    wire             iss = (state == S_ROW && !row_empty) || state == S_WALK;     // E0
    /* verilator lint_off UNUSEDSIGNAL */  // the top bit of a pointer equals NSYN only at a row end
    wire [PTR_W-1:0] iss_ptr = (state == S_ROW) ? row_start : p;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [DLY_W-1:0] iss_dly = (state == S_ROW) ? row_dly : dly_r;
    wire [SYN_AW-1:0] syn_addr = ld_en ? ld_addr : iss_ptr[SYN_AW-1:0];

    reg              e1_v, e2_v, l_v;
    /* verilator lint_off UNUSEDSIGNAL */  // used only with ROW_DELAY
    reg [DLY_W-1:0]  e1_rdly;
    /* verilator lint_on UNUSEDSIGNAL */
    reg [RA_W-1:0]   e2_ra, l_ra;
    reg signed [WW-1:0]    e2_w;
    reg signed [ACC_W-1:0] l_acc;

    wire [IDX_W-1:0] e1_tgt = syn_q[SYW-1 -: IDX_W];
    wire signed [WW-1:0] e1_w = syn_q[WW-1:0];
    wire [DLY_W-1:0] e1_dly;
    generate
        if (ROW_DELAY != 0) begin : g_row_delay
            assign e1_dly = e1_rdly;
        end else begin : g_syn_delay
            assign e1_dly = syn_q[WW +: DLY_W];
        end
    endgenerate
    wire [SLOT_W+DLY_W:0]  wsum = {{(DLY_W + 1){1'b0}}, slot} + {{(SLOT_W + 1){1'b0}}, e1_dly};
    wire [SLOT_W+DLY_W:0]  dext = {{DLY_W{1'b0}}, DEPTH};
    /* verilator lint_off UNUSEDSIGNAL */  // the wrapped slot fits SLOT_W bits; upper bits are 0
    wire [SLOT_W+DLY_W:0]  wwrap = (wsum >= dext) ? wsum - dext : wsum;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [RA_W-1:0]        e1_ra = {wwrap[SLOT_W-1:0], e1_tgt};

    // E2: accumulate, forwarding the previous cycle's result on a same-address hit
    wire                    fwd  = l_v && (l_ra == e2_ra);
    wire signed [ACC_W-1:0] base = fwd ? l_acc : ring_q;
    wire signed [ACC_W-1:0] wx   = {{(ACC_W - WW){e2_w[WW-1]}}, e2_w};
    wire signed [ACC_W-1:0] acc  = base + (wx <<< WSHIFT);

    // ---------------------------------------------------------------- memory ports
    wire             upd_phase = (state == S_UPD);
    wire [RA_W-1:0]  ring_ra = upd_phase ? {slot, i} : e1_ra;
    wire [RA_W-1:0]  ring_wa = u1_v ? {slot, i1} : e2_ra;
    wire             ring_we = u1_v || e2_v;
    wire signed [ACC_W-1:0] ring_wd = u1_v ? {ACC_W{1'b0}} : acc;

    always @(posedge clk) begin
        vr_q <= vr[i];
        p_q <= pmem[i];
        if (u3_v) vr[i3] <= {v_new, r_new};
        ring_q <= ring[ring_ra];
        if (ring_we) ring[ring_wa] <= ring_wd;
        fifo_q <= fifo[rd[IDX_W-1:0]];
        if (u3_v && fire) fifo[wcnt[IDX_W-1:0]] <= i3;
        if (u3_v) spk[i3] <= fire;
        row_q <= rowm[src_sel];
        if (ld_en) synm[syn_addr] <= ld_data;
        else syn_q <= synm[syn_addr];
    end

    // ---------------------------------------------------------------- control
    always @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
            slot <= {SLOT_W{1'b0}};
            done <= 1'b0;
            upd_valid <= 1'b0;
            u1_v <= 1'b0;
            u2_v <= 1'b0;
            u3_v <= 1'b0;
            e1_v <= 1'b0;
            e2_v <= 1'b0;
            l_v <= 1'b0;
            i <= {IDX_W{1'b0}};
            cycles <= 32'd0;
        end else begin
            done <= 1'b0;
            upd_valid <= u3_v;
            if (u3_v) begin
                upd_idx <= i3;
                upd_v <= v_new;
                upd_spike <= fire;
                if (fire) wcnt <= wcnt + {{IDX_W{1'b0}}, 1'b1};
            end
            u1_v <= (state == S_UPD);
            i1 <= i;
            u2_v <= u1_v;
            i2 <= i1;
            raw <= raw1;
            v2 <= v1;
            r2 <= vr_q[R_W-1:0];
            thr2 <= p_q[PW-1 -: W];
            vrst2 <= p_q[PW-W-1 -: W];
            tref2 <= p_q[R_W-1:0];
            u3_v <= u2_v;
            i3 <= i2;
            s <= satx[W-1:0];
            v <= v2;
            r <= r2;
            thr <= thr2;
            vrst <= vrst2;
            tref <= tref2;
            e1_v <= iss && (EVENT != 0 || src_on);
            e1_rdly <= iss_dly;
            e2_v <= e1_v;
            e2_ra <= e1_ra;
            e2_w <= e1_w;
            l_v <= e2_v;
            l_ra <= e2_ra;
            l_acc <= acc;
            cnt <= cnt + 32'd1;
            case (state)
                S_IDLE: begin
                    cnt <= 32'd1;
                    if (start) begin
                        in_pend <= in_spk;
                        i <= {IDX_W{1'b0}};
                        wcnt <= {(IDX_W + 1){1'b0}};
                        j <= {SRC_W{1'b0}};
                        rd <= {(IDX_W + 1){1'b0}};
                        state <= S_UPD;
                    end
                end
                S_UPD: begin
                    if (i == LAST_I) state <= S_UPDL;
                    else i <= i + {{(IDX_W - 1){1'b0}}, 1'b1};
                end
                S_UPDL: state <= S_UPDL2;
                S_UPDL2: state <= S_UPDL3;
                S_UPDL3: state <= S_GAP;
                S_GAP: state <= S_SEL;
                S_SEL: begin
                    if (EVENT == 0) begin
                        src_on <= src_vec[j];
                        j <= j + {{(SRC_W - 1){1'b0}}, 1'b1};
                        state <= (j == NSRC) ? S_DRAIN : S_ROW;
                    end else if (in_any_q) begin
                        in_pend <= in_pend & ~in_low_q;
                        state <= S_ROW;
                    end else if (fifo_any) begin
                        rd <= rd + {{IDX_W{1'b0}}, 1'b1};
                        state <= S_ROW;
                    end else begin
                        state <= S_DRAIN;
                    end
                end
                S_ROW: begin
                    p <= row_start + p_one;
                    pend <= row_end;
                    dly_r <= row_dly;
                    state <= (row_empty || row_start + p_one == row_end) ? S_SEL : S_WALK;
                end
                S_WALK: begin
                    p <= p + p_one;
                    if (p + p_one == pend) state <= S_SEL;
                end
                S_DRAIN: begin
                    slot <= ({1'b0, slot} + {{SLOT_W{1'b0}}, 1'b1} == DEPTH) ? {SLOT_W{1'b0}}
                            : slot + {{(SLOT_W - 1){1'b0}}, 1'b1};
                    cycles <= cnt;
                    done <= 1'b1;
                    state <= S_IDLE;
                end
                default: state <= S_IDLE;
            endcase
        end
    end
endmodule

`default_nettype wire
